"""予約 › 概要."""

from dashboards import components

components.section_home(__file__)
