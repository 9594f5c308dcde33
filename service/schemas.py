"""Schema helpers shared by the domains: an all-optional PATCH model derived from a create model."""

from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import BaseModel, create_model


def optional_fields(model: type[BaseModel], name: str, *, exclude: Iterable[str] = (), **extra: Any) -> type[BaseModel]:
    """A copy of `model` (its config and field constraints) whose fields are all optional (None = leave unchanged),
    less `exclude`, plus `extra` fields."""
    left_out = set(exclude)
    unknown = left_out - set(model.model_fields)
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
    fields: dict[str, Any] = {}
    for field, info in model.model_fields.items():
        if field in left_out:
            continue
        annotation = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
        fields[field] = (annotation | None, None)
    return create_model(name, __config__=model.model_config, **fields, **extra)
