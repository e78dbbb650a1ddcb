"""The effective SSO setting as a pure function: no database, large and broken trees."""

from __future__ import annotations

import time
import uuid

import pytest

from ssoconsole.tenancy.inheritance import (
    EffectiveSSO,
    InheritanceCycle,
    OrgSetting,
    effective_sso,
    effective_sso_for_all,
)

PROVIDER_A = uuid.UUID(int=0xA)
PROVIDER_B = uuid.UUID(int=0xB)


def _id(n: int) -> uuid.UUID:
    return uuid.UUID(int=n + 1)


def chain(
    depth: int, top_mode: str = "provider", top_provider=PROVIDER_A
) -> dict[uuid.UUID, OrgSetting]:
    """A top org and ``depth`` descendants in a line, all below the top inheriting."""
    orgs = {
        _id(0): OrgSetting(_id(0), None, top_mode, top_provider if top_mode == "provider" else None)
    }
    for n in range(1, depth + 1):
        orgs[_id(n)] = OrgSetting(_id(n), _id(n - 1), "inherit")
    return orgs


def test_an_orgs_own_provider_setting_wins_over_its_parents():
    """An org that names a provider uses it, whatever its parent says."""
    orgs = chain(1)
    orgs[_id(1)] = OrgSetting(_id(1), _id(0), "provider", PROVIDER_B)
    assert effective_sso(_id(1), orgs) == EffectiveSSO("provider", PROVIDER_B, _id(1))


def test_an_inheriting_org_uses_its_parents_provider():
    """Inherit means: the parent's effective setting, named with the org it comes from."""
    result = effective_sso(_id(1), chain(1))
    assert result.uses_sso and result.provider_id == PROVIDER_A and result.source_org_id == _id(0)


def test_the_top_orgs_inherit_means_password_sign_in():
    """The top org has no parent, so its ``inherit`` is ``none`` (docs/rules.md#effective-sso-setting)."""
    orgs = chain(3, top_mode="inherit", top_provider=None)
    assert effective_sso(_id(3), orgs) == EffectiveSSO("none", None, _id(0))


def test_none_stops_inheritance_of_a_provider_from_above():
    """An org set to ``none`` keeps password sign-in for itself and the orgs that inherit from it."""
    orgs = chain(3)
    orgs[_id(1)] = OrgSetting(_id(1), _id(0), "none")
    assert effective_sso(_id(3), orgs) == EffectiveSSO("none", None, _id(1))
    assert effective_sso(_id(0), orgs).uses_sso


def test_a_depth_20_tree_inherits_from_the_top():
    """Twenty levels of ``inherit`` all resolve to the top org's provider."""
    orgs = chain(20)
    for n in range(21):
        assert effective_sso(_id(n), orgs) == EffectiveSSO("provider", PROVIDER_A, _id(0))


def test_only_ancestors_up_to_the_first_deciding_org_are_needed():
    """The function reads the chain only until an org that does not inherit."""
    orgs = chain(20)
    orgs[_id(15)] = OrgSetting(_id(15), _id(14), "provider", PROVIDER_B)
    partial = {k: v for k, v in orgs.items() if k in {_id(n) for n in range(15, 21)}}
    assert effective_sso(_id(20), partial).provider_id == PROVIDER_B


def test_a_missing_ancestor_is_an_error_not_a_guess():
    """Without the ancestors the answer is unknown, so the lookup fails loudly."""
    orgs = chain(3)
    del orgs[_id(1)]
    with pytest.raises(KeyError):
        effective_sso(_id(3), orgs)


def wide_tree(count: int) -> dict[uuid.UUID, OrgSetting]:
    """``count`` orgs, each the child of an earlier one, with a mix of settings."""
    orgs = {_id(0): OrgSetting(_id(0), None, "none")}
    for n in range(1, count):
        parent = _id((n - 1) // 3)  # a ternary tree, about nine levels deep
        if n % 97 == 0:
            mode, provider = "provider", PROVIDER_A if n % 2 else PROVIDER_B
        elif n % 89 == 0:
            mode, provider = "none", None
        else:
            mode, provider = "inherit", None
        orgs[_id(n)] = OrgSetting(_id(n), parent, mode, provider)
    return orgs


def test_10000_orgs_resolve_in_linear_time_and_agree_with_the_single_lookup():
    """The memoized walk over 10,000 orgs gives each org the answer of the one-org function."""
    orgs = wide_tree(10_000)
    started = time.perf_counter()
    everyone = effective_sso_for_all(orgs)
    assert time.perf_counter() - started < 2.0
    assert len(everyone) == 10_000
    for org_id in orgs:
        assert everyone[org_id] == effective_sso(org_id, orgs)
    assert any(e.uses_sso for e in everyone.values()) and any(
        not e.uses_sso for e in everyone.values()
    )


def test_a_10000_deep_chain_needs_no_recursion():
    """A pathological line of 10,000 inheriting orgs resolves without hitting the recursion limit."""
    orgs = chain(10_000)
    assert effective_sso(_id(10_000), orgs).provider_id == PROVIDER_A
    assert all(e.provider_id == PROVIDER_A for e in effective_sso_for_all(orgs).values())


@pytest.mark.parametrize("resolver", [effective_sso, effective_sso_for_all], ids=["one", "all"])
def test_a_cycle_of_parents_is_reported_not_looped_forever(resolver):
    """Corrupt parent links that form a cycle raise InheritanceCycle."""
    orgs = {
        _id(1): OrgSetting(_id(1), _id(2), "inherit"),
        _id(2): OrgSetting(_id(2), _id(3), "inherit"),
        _id(3): OrgSetting(_id(3), _id(1), "inherit"),
    }
    with pytest.raises(InheritanceCycle):
        resolver(_id(1), orgs) if resolver is effective_sso else resolver(orgs)


def test_an_org_that_is_its_own_parent_is_a_cycle():
    """The shortest cycle is caught too."""
    orgs = {_id(1): OrgSetting(_id(1), _id(1), "inherit")}
    with pytest.raises(InheritanceCycle):
        effective_sso(_id(1), orgs)
