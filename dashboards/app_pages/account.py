"""A person's own account (アカウント): their password, and their second factor until they have one. The sidebar links
here, so no page's own buttons and fields share their names with these."""

from dashboards import auth

auth.account_page()
