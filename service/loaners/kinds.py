"""The loaners' kinds, each declared once as a `StrEnum` whose members carry their Japanese words and facts (§2.2.3
カテゴリマスタ's number section, kind and summary device type; the held statuses 返却待ち follows). labels.py's tables
(the vocabulary), the API's types and OpenAPI enums, the CSV words and the rules read them."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Self

from service.words import Kind, kind_member


class DeviceKind(Kind):
    """A device's kind: which status form it answers (loaner_device.kind, loaner_form.kind)."""

    TERMINAL = "terminal", "端末"
    PRINTER = "printer", "プリンタ"
    OTHER = "other", "その他"


class DeviceType(StrEnum):
    """SUMMARY's device types (its columns): codes that are words."""

    SV = "SV"
    CL = "CL"
    PRINTER = "プリンタ"
    OTHER = "その他"


@dataclass(frozen=True)
class CategoryFacts:
    label: str
    section: str  # the management number's category section
    kind: DeviceKind
    device_type: DeviceType


class Category(Kind):
    """§2.2.3 カテゴリマスタ: a model's category (loaner_model.category)."""

    section: str
    kind: DeviceKind
    device_type: DeviceType

    def __new__(cls, value: str, facts: CategoryFacts) -> Self:
        return kind_member(
            cls, value, facts.label, section=facts.section, kind=facts.kind, device_type=facts.device_type
        )

    DESKTOP = "Desktop", CategoryFacts("デスクトップ PC", "Desktop", DeviceKind.TERMINAL, DeviceType.CL)
    LAPTOP = "Laptop", CategoryFacts("ノート PC", "Laptop", DeviceKind.TERMINAL, DeviceType.CL)
    SERVER = "Server", CategoryFacts("サーバー", "SV", DeviceKind.TERMINAL, DeviceType.SV)
    TABLET = "Tablet", CategoryFacts("タブレット", "Tablet", DeviceKind.TERMINAL, DeviceType.CL)
    PRINTER = "Printer", CategoryFacts("プリンタ", "Printer", DeviceKind.PRINTER, DeviceType.PRINTER)
    ROUTER = "Router", CategoryFacts("ルーター", "Router", DeviceKind.OTHER, DeviceType.OTHER)
    HUB = "Hub", CategoryFacts("ハブ", "Hub", DeviceKind.OTHER, DeviceType.OTHER)
    OTHER = "Other", CategoryFacts("その他", "Other", DeviceKind.OTHER, DeviceType.OTHER)

    @classmethod
    def of_type(cls, device_type: str) -> tuple["Category", ...]:
        """The categories a summary device type counts."""
        return tuple(category for category in cls if category.device_type == device_type)


class LocationStatus(Kind):
    ACTIVE = "active", "有効"
    INACTIVE = "inactive", "無効"


class QuestionType(Kind):
    """A status form question's type (loaner_question.type)."""

    TEXT = "text", "記述式"
    TEXTAREA = "textarea", "段落"
    DATE = "date", "日付"
    NUMBER = "number", "数値"
    CHOICE = "choice", "選択式"


class HeldStatus(Kind):
    """§2.6.2 預り機のステータス (a form answer, kept as written) and its §3.1.3 summary category (`label`);
    `followed`: 返却待ち lists the devices in it until they come back."""

    followed: bool

    def __new__(cls, value: str, label: str, followed: bool = False) -> Self:
        return kind_member(cls, value, label, followed=followed)

    RETURNABLE = "1.返却可能", "返却可能", True
    IN_TALKS = "2.商談や金額の問題で返却不可", "商談や金額の問題で返却不可", True
    REFUSED = "3.お客様による返却拒否", "お客様による返却拒否", True
    EXTENDED = "4.HW延長保守中(OS入れ替えやサービス終了を含む)", "HW延長保守中"
