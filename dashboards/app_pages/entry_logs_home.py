"""入退管理 › 概要."""

from dashboards import components

components.section_home(__file__)
