"""Remove personal data from text before it is stored or sent to an external LLM.

Each find is replaced by a typed placeholder ([e-mail], [telefoon], [bsn], [iban],
[postcode], [persoon], [naam]) so HR still sees what kind of thing was asked.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A mention, or a bare Slack user id (which always has a digit: "WERKATELIER" is no id).
SLACK_USER = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>|\b[UW](?=[A-Z0-9]*\d)[A-Z0-9]{8,}\b")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}[ ]?(?:[A-Z0-9]{4}[ ]?){2,7}[A-Z0-9]{1,4}\b", re.I)
POSTCODE_HOUSE = re.compile(r"\b[1-9]\d{3}[ ]?[A-Z]{2}\b(?:[ ,]+\d{1,5}[ ]?[a-zA-Z]?\b)?")
# A run of digits with the separators people type in numbers: spaces, dots, dashes, brackets.
NUMBER_RUN = re.compile(r"(?<![\w@])(?:\+|00)?\d(?:[ .()\-]{0,2}\d){6,16}(?![\w])")
NAME = r"[A-Z][a-zà-ÿ]+(?:[- ](?:van|de|der|den|ter|te|het|van de|van der|van den))*(?:[- ][A-Z][a-zà-ÿ]+)*"
# After these words a capitalised word is a name: "mijn collega Jan de Vries", "Mijn manager, Piet".
NAME_CUE = re.compile(
    r"\b(?i:collega|manager|leidinggevende|teamleider|teamcoach|meneer|mevrouw|dhr\.?|mevr\.?|mr\.?|mrs\.?"
    r"|ms\.?|ik ben|colleague|boss|i am|i'm)[,:]?\s+(" + NAME + ")"
)
# After these, whatever word follows is a name, capitalised or not: "mijn naam is marloes".
NAME_INTRO = re.compile(
    r"\b(?i:mijn naam is|ik heet|my name is|i'm called)[,:]?\s+"
    r"([\w-]+(?:(?:\s+(?i:van|de|der|den|ter|te|het))+\s+[\w-]+|\s+[A-Z][\w-]+)?)"
)


def elfproef(digits: str) -> bool:
    """The Dutch BSN check: 9 digits, weighted sum 9..2 and -1 divisible by 11."""
    if len(digits) != 9 or not digits.isdigit() or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    total -= int(digits[8])
    return total % 11 == 0


def _number(match: re.Match[str]) -> str:
    raw = match.group(0)
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 9 and elfproef(digits):
        return "[bsn]"
    if raw.startswith(("+", "00")) and 9 <= len(digits) <= 15:
        return "[telefoon]"
    if digits.startswith("0") and len(digits) == 10:
        return "[telefoon]"
    if len(digits) == 8 and elfproef("0" + digits):
        return "[bsn]"
    return raw


def scrub(text: str) -> str:
    """Replace e-mail addresses, phone, BSN and IBAN numbers, postcodes, mentions and names."""
    text = EMAIL.sub("[e-mail]", text)
    text = SLACK_USER.sub("[persoon]", text)
    text = IBAN.sub(
        lambda m: "[iban]" if sum(c.isdigit() for c in m.group(0)) >= 10 else m.group(0), text
    )
    text = POSTCODE_HOUSE.sub("[postcode]", text)
    text = NUMBER_RUN.sub(_number, text)
    for pattern in (NAME_INTRO, NAME_CUE):
        text = pattern.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)] + "[naam]", text)
    return text


PLACEHOLDER = re.compile(r"\[(?:e-mail|telefoon|bsn|iban|postcode|persoon|naam)\]")


def without_personal_data(text: str) -> str:
    """The text with personal data removed entirely (no placeholders): for searching."""
    return re.sub(r"\s{2,}", " ", PLACEHOLDER.sub(" ", scrub(text))).strip()
