"""placeholder while the page is written."""

from dashboards import auth

auth.require_page(__file__)
