"""Stale-element removal with a fail-safe, shared by the cataloguing connectors.

An element the connector owns and no longer sees in its technology is *stale*; it is
archived (not deleted: it stays visible to lineage queries). A wrong refresh must not
empty the catalogue, so archiving happens only when it is safe:

* only at the end of a **complete** refresh: never when the refresh raised, had errors
  (``failed()``), or was refused by the connector's permitted synchronization;
* only among the elements the connector's include/exclude lists could see (``in_scope``):
  narrowing the lists leaves what fell outside them alone;
* never more than ``max_stale_share`` (default 20 %) of those elements in one refresh —
  unless ``override_stale_limit`` is set — except that ``stale_allowance`` elements
  (default 1) may always go, so that removing one file from a small folder works.

A refusal is not an error: it is logged as a warning saying what to do, and each withheld
element is counted as ``refused`` (under its type) in the refresh's activity report. The
stale elements stay, and are considered again at the next refresh::

    helper.begin_refresh(...)
    with StaleSweep(context, helper, config.stale_policy, in_scope=...) as sweep:
        for thing in technology:
            with sweep.guard(f"table {name}"):          # a failed write: logged, refresh incomplete
                helper.table(...)                       # what the helper syncs counts as seen
    # leaving the block without an exception archives what was not seen (or refuses to)

Errors: a ``MetadataRequestError`` inside ``guard`` is logged and makes the refresh
incomplete, and the helper's index is read again next time; any other exception leaves
the block (nothing archived) and goes to the daemon's supervisor as usual, except
``SynchronizationRefused``, which ends the refresh without a restart (it is counted as
``refused``; restarting would not help).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from attrs import field, frozen

from daemon.errors import InvalidParameterError, MetadataRequestError, SynchronizationRefused
from daemon.integrations._options import flag, share
from daemon.model.element import Element

if TYPE_CHECKING:
    from types import TracebackType

    from daemon.connectors import ConnectorContext

__all__ = ["CataloguingConfig", "OwnedIndex", "StalePolicy", "StaleSweep", "SweepOutcome"]


class OwnedIndex(Protocol):
    """What a sweep needs from a helper (``FilesHelper``, ``DatabaseHelper``, ``TopicHelper``, ...)."""

    def owned(self) -> dict[str, Element]:
        """The owned elements of this refresh's scope, by qualifiedName."""

    def synced(self) -> set[str]:
        """The qualifiedNames brought in step since the refresh began (still in the technology)."""

    def forget(self, qualified_name: str) -> None:
        """Drop an archived element from the index."""

    def invalidate(self) -> None:
        """Read everything again at the next refresh."""


@frozen
class StalePolicy:
    """How much one refresh may archive."""

    max_share: float = 0.2
    allowance: int = 1
    override: bool = False

    def refusal(self, stale: int, candidates: int) -> str | None:
        """Why archiving ``stale`` of ``candidates`` elements is refused, or ``None`` if it is allowed."""
        if self.override or stale <= self.allowance or stale <= self.max_share * candidates:
            return None
        return (
            f"{stale} of {candidates} owned elements ({stale / candidates:.0%}) are no longer seen, more than "
            f"max_stale_share {self.max_share:.0%}; check the connector's endpoint and include/exclude lists, then "
            "set override_stale_limit: true (or raise max_stale_share) to archive them"
        )


@frozen(kw_only=True)
class CataloguingConfig:
    """Configuration properties every cataloguing connector shares (its config class extends this).

    ``full_check_every``: refreshes between full reads of what the connector owns from the
    metadata server (1 = every refresh); in between, the connector's own writes keep its
    view in step (safe with a metadata source, which only this connector may write for).
    """

    max_stale_share: Any = field(default=0.2, converter=share)
    stale_allowance: int = 1
    override_stale_limit: Any = field(default=False, converter=flag)
    full_check_every: int = 10

    @property
    def stale_policy(self) -> StalePolicy:
        return StalePolicy(self.max_stale_share, self.stale_allowance, self.override_stale_limit)


@frozen
class SweepOutcome:
    """What the sweep at the end of one refresh found and did."""

    candidates: int
    stale: tuple[str, ...] = ()
    archived: tuple[str, ...] = ()
    refused: str | None = None  # why nothing was archived, if something should have been


class StaleSweep:
    """Stale-element removal for one refresh. Record what was seen; leave the block to sweep."""

    def __init__(
        self,
        context: ConnectorContext,
        index: OwnedIndex,
        policy: StalePolicy,
        *,
        in_scope: Callable[[Element], bool] | None = None,
    ) -> None:
        self._context = context
        self._index = index
        self._candidates = {name: e for name, e in index.owned().items() if in_scope is None or in_scope(e)}
        self._policy = policy
        self._seen: set[str] = set()
        self._problems: list[str] = []
        self.outcome: SweepOutcome | None = None

    def saw(self, qualified_name: str) -> None:
        """The element named ``qualified_name`` is still in the technology (everything the helper
        synced counts as seen without this call)."""
        self._seen.add(qualified_name)

    def failed(self, problem: str) -> None:
        """Something went wrong: the refresh is incomplete and nothing will be archived."""
        self._problems.append(problem)

    @contextmanager
    def guard(self, what: str) -> Iterator[None]:
        """Catalogue ``what`` inside this block: an error from the metadata server is logged and
        makes the refresh incomplete instead of ending it."""
        try:
            yield
        except MetadataRequestError as exc:
            self.failed(f"{what}: {exc}")
            self._index.invalidate()
            self._context.logger.error("could not catalogue {}: {}", what, exc)

    @property
    def complete(self) -> bool:
        return not self._problems

    def __enter__(self) -> StaleSweep:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if exc is None:
            self.outcome = self.finish()
            return False
        self.failed(f"{type(exc).__name__}: {exc}")
        self.outcome = SweepOutcome(len(self._candidates), refused=f"the refresh did not finish: {exc}")
        if isinstance(exc, SynchronizationRefused):
            self._context.logger.error("refresh stopped: {}", exc)
            return True  # counted as refused; a configuration matter, not a reason to restart
        return False

    def finish(self) -> SweepOutcome:
        """Archive the stale elements if the refresh was complete and the policy allows it."""
        stale = self._stale()
        if not stale:
            return SweepOutcome(len(self._candidates))
        if self._problems:
            first = self._problems[0]
            return self._withhold(stale, f"the refresh had {len(self._problems)} error(s), the first: {first}")
        reason = self._policy.refusal(len(stale), len(self._candidates))
        if reason is not None:
            return self._withhold(stale, reason)
        archived = tuple(name for name in stale if self._archive(name))
        return SweepOutcome(len(self._candidates), tuple(stale), archived)

    def _stale(self) -> list[str]:
        # children (longer names) before their parents, for a tidy event stream
        seen = self._seen | self._index.synced()
        return sorted((n for n in self._candidates if n not in seen), key=lambda n: (-len(n), n))

    def _archive(self, name: str) -> bool:
        element = self._candidates[name]
        try:
            self._context.metadata.archive(element.guid, type_name=element.type.type_name)
        except InvalidParameterError as exc:
            if exc.related_http_code != 404:
                return self._not_archived(name, exc)
            self._context.logger.info("{} was already gone from open metadata", name)
        except MetadataRequestError as exc:
            return self._not_archived(name, exc)
        self._index.forget(name)
        return True

    def _not_archived(self, name: str, exc: MetadataRequestError) -> bool:
        self._index.invalidate()
        self._context.logger.error("could not archive {}: {}", name, exc)
        return False

    def _withhold(self, stale: list[str], reason: str) -> SweepOutcome:
        for name in stale:
            self._context.metadata.activity.count("refused", self._candidates[name].type.type_name)
        self._context.logger.warning("not archiving {} stale element(s) (e.g. {}): {}", len(stale), stale[0], reason)
        return SweepOutcome(len(self._candidates), tuple(stale), (), reason)
