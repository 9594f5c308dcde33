"""代理店CRM › 概要."""

from dashboards import components

components.section_home(__file__)
