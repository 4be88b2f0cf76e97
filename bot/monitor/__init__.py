"""HR monitoring: scrubbed, pseudonymous records of questions; themes and reports."""
