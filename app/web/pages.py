"""Placeholder: the web pages arrive with the Web issue."""

from flask import Blueprint

bp = Blueprint("web", __name__)
