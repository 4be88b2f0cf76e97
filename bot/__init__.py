"""Leerroute: a Slack assistant for learning routes in Dutch municipalities."""
