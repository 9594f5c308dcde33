import pytest
from sqlalchemy import select

from service.errors import NotFound
from service.identity.models import User
from service.tenancy import TenantScope, get_scoped, scoped
from tests.factories import make_user


def test_scoped_limits_rows_to_the_tenant(db):
    first, second = make_user(db, "first"), make_user(db, "second")
    scope = TenantScope("crm", "agency", str(first.id))
    assert db.scalars(scoped(select(User), scope, User.id)).all() == [first]
    assert get_scoped(db, User, first.id, scope, User.id) is first
    with pytest.raises(NotFound):
        get_scoped(db, User, second.id, scope, User.id)


def test_unrestricted_scope_sees_everything(db):
    make_user(db, "first"), make_user(db, "second")
    assert len(db.scalars(scoped(select(User), TenantScope("crm", "agency", None), User.id)).all()) == 2


def test_malformed_ids_are_not_found_not_errors(db):
    user = make_user(db, "first")
    with pytest.raises(NotFound):
        get_scoped(db, User, "abc", TenantScope("crm", "agency", None), User.id)
    nothing = scoped(select(User), TenantScope("crm", "agency", "not-a-number"), User.id)
    assert db.scalars(nothing).all() == []
    assert user.id


def test_caller_scope_follows_grants(client, db):
    from service.audit.service import SYSTEM
    from service.database import utcnow
    from service.identity.dependencies import Caller, GrantInfo

    def caller(grants):
        return Caller(1, "x", "x", grants, SYSTEM, "jti", utcnow(), "")

    sales = caller({"crm": GrantInfo("sales", "3")})
    assert sales.scope("crm").value == "3"
    assert not sales.has_role("crm", "operator")
    assert sales.scope("fleet").unrestricted
    admin = caller({"platform": GrantInfo("admin", None), "crm": GrantInfo("sales", "3")})
    assert admin.scope("crm").unrestricted
    assert admin.has_role("fleet", "admin")
