"""Hubs being formed in one partition, scored incrementally, improved by a bounded local search.

A :class:`Draft` keeps, for every hub, the sums that :func:`objective.score_hub` is made of (theme and
band fit, distinct schools, one-alike peers, leader fit), so moving a teacher or swapping two costs
O(1) to evaluate instead of rescoring both hubs. The numbers are exactly ``score_hub``'s; a unit test
checks them against it. Everything is deterministic: indexes follow the id-sorted inputs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.matching.domain.objective import (
    Weights,
    assignment,
    band_fit,
    leader_fit,
    theme_fit,
)
from services.matching.domain.placement_model import MatchingPolicy, Mentor, Teacher

EPS = 1e-9
# A hub's sums with one person changed (see Draft.without / Draft.plus).
State = tuple[int, float, float, int, int, int, int, int, bool, int]


@dataclass
class DraftHub:
    theme: str
    band: str | None
    target: int = 0
    members: list[int] = field(default_factory=list)
    leaders: list[int] = field(default_factory=list)
    theme_sum: float = 0.0
    band_sum: float = 0.0
    schools: Counter[int] = field(default_factory=Counter)
    assignments: Counter[int] = field(default_factory=Counter)
    alikes_by: Counter[int] = field(default_factory=Counter)
    alikes: int = 0
    peered: int = 0
    lead: float = 0.0
    value: float = 0.0


class Draft:
    """One partition's hubs under construction (teachers and mentors by index)."""

    def __init__(
        self,
        teachers: Sequence[Teacher],
        mentors: Sequence[Mentor],
        one_alike: set[str] | frozenset[str],
        policy: MatchingPolicy,
        weights: Weights,
    ):
        self.teachers = teachers
        self.mentors = mentors
        self.policy = policy
        self.w = weights
        school_ids: dict[str | None, int] = {}
        assignment_ids: dict[object, int] = {}
        self.school = [school_ids.setdefault(t.school, len(school_ids)) for t in teachers]
        self.assignment = [assignment_ids.setdefault(assignment(t), len(assignment_ids)) for t in teachers]
        self.alike = [t.participant_id in one_alike for t in teachers]
        self._theme_fit: list[dict[str, float]] = [{} for _ in teachers]
        self._label_fit: list[dict[tuple[str, str | None], float]] = [{} for _ in teachers]
        self._band_fit: dict[tuple[str | None, str | None], float] = {}
        self._leader_fit: dict[tuple[int, str], float] = {}
        # Who may not be led by whom (mentorship is non-evaluative).
        by_hr: dict[str, list[int]] = {}
        for index, teacher in enumerate(teachers):
            by_hr.setdefault(teacher.hr_id, []).append(index)
        self.evaluators: list[set[int]] = [set() for _ in teachers]
        for m_index, mentor in enumerate(mentors):
            for hr_id in mentor.evaluates_hr_ids:
                for t_index in by_hr.get(hr_id, ()):
                    if mentor.evaluates(teachers[t_index]):
                        self.evaluators[t_index].add(m_index)
        self.hubs: list[DraftHub] = []
        self.hub_of: list[int | None] = [None for _ in teachers]

    # ------------------------------------------------------------ fits

    def tfit(self, t: int, theme: str) -> float:
        cache = self._theme_fit[t]
        fit = cache.get(theme)
        if fit is None:
            fit = cache[theme] = theme_fit(self.teachers[t], theme, self.w)
        return fit

    def bfit(self, t: int, band: str | None) -> float:
        key = (self.teachers[t].grade_band, band)
        fit = self._band_fit.get(key)
        if fit is None:
            fit = self._band_fit[key] = band_fit(self.teachers[t], band, self.w)
        return fit

    def lfit(self, m: int, theme: str) -> float:
        """A mentor's fit to lead a hub on ``theme`` (expertise, training), cached."""
        key = (m, theme)
        fit = self._leader_fit.get(key)
        if fit is None:
            fit = self._leader_fit[key] = leader_fit(self.mentors[m], theme)
        return fit

    def label_fit(self, t: int, theme: str, band: str | None) -> float:
        """A teacher's weighted theme and band fit to a hub label, cached."""
        cache = self._label_fit[t]
        fit = cache.get((theme, band))
        if fit is None:
            fit = cache[(theme, band)] = self.w.theme * self.tfit(t, theme) + self.w.band * self.bfit(t, band)
        return fit

    # ------------------------------------------------------------ scoring

    def rescore(self, h: DraftHub) -> None:
        """Recompute a hub's sums from scratch (after its label or leaders changed)."""
        h.theme_sum = sum(self.tfit(t, h.theme) for t in h.members)
        h.band_sum = sum(self.bfit(t, h.band) for t in h.members)
        h.schools = Counter(self.school[t] for t in h.members)
        h.assignments = Counter(self.assignment[t] for t in h.members)
        h.alikes_by = Counter(self.assignment[t] for t in h.members if self.alike[t])
        h.alikes = sum(h.alikes_by.values())
        h.peered = sum(c for a, c in h.alikes_by.items() if h.assignments[a] > 1)
        fits = [self.lfit(m, h.theme) for m in h.leaders]
        h.lead = sum(fits) / len(fits) if fits else 0.0
        h.value = self.value_of(
            len(h.members), h.theme_sum, h.band_sum, len(h.schools), h.alikes, h.peered, h.lead
        )

    # A hub's sums with one person changed: (n, theme, band, distinct schools, alikes, peered,
    # school, assignment and alike flag of the person changed, -1 left / +1 joined).
    def without(self, h: DraftHub, out: int) -> State:
        s_out, a_out, out_alike = self.school[out], self.assignment[out], self.alike[out]
        count, mates = h.assignments[a_out], h.alikes_by.get(a_out, 0)
        peered = h.peered
        if out_alike or mates:
            peered += ((mates - out_alike) if count > 2 else 0) - (mates if count > 1 else 0)
        return (
            len(h.members) - 1,
            h.theme_sum - self.tfit(out, h.theme),
            h.band_sum - self.bfit(out, h.band),
            len(h.schools) - (h.schools[s_out] == 1),
            h.alikes - out_alike,
            peered,
            s_out,
            a_out,
            out_alike,
            -1,
        )

    def plus(self, h: DraftHub, into: int) -> State:
        s_in, a_in, in_alike = self.school[into], self.assignment[into], self.alike[into]
        count, mates = h.assignments.get(a_in, 0), h.alikes_by.get(a_in, 0)
        peered = h.peered
        if in_alike or mates:
            peered += ((mates + in_alike) if count >= 1 else 0) - (mates if count > 1 else 0)
        return (
            len(h.members) + 1,
            h.theme_sum + self.tfit(into, h.theme),
            h.band_sum + self.bfit(into, h.band),
            len(h.schools) + (h.schools.get(s_in, 0) == 0),
            h.alikes + in_alike,
            peered,
            s_in,
            a_in,
            in_alike,
            +1,
        )

    def then(self, h: DraftHub, state: State, other: int) -> float:
        """The score of ``state`` (``h`` with one person changed) once ``other`` has also joined (if
        the first change was a departure) or left (if it was an arrival)."""
        n, theme_sum, band_sum, distinct, alikes, peered, s_0, a_0, alike_0, sign = state
        s_1, a_1, alike_1 = self.school[other], self.assignment[other], self.alike[other]
        same_assignment = a_1 == a_0
        schools_now = h.schools.get(s_1, 0) + (sign if s_1 == s_0 else 0)
        count_now = h.assignments.get(a_1, 0) + (sign if same_assignment else 0)
        mates_now = h.alikes_by.get(a_1, 0) + (sign * alike_0 if same_assignment else 0)
        if sign < 0:  # someone left; ``other`` joins
            n += 1
            theme_sum += self.tfit(other, h.theme)
            band_sum += self.bfit(other, h.band)
            distinct += schools_now == 0
            alikes += alike_1
            if alike_1 or mates_now:
                peered += ((mates_now + alike_1) if count_now >= 1 else 0) - (
                    mates_now if count_now > 1 else 0
                )
        else:  # someone joined; ``other`` leaves
            n -= 1
            theme_sum -= self.tfit(other, h.theme)
            band_sum -= self.bfit(other, h.band)
            distinct -= schools_now == 1
            alikes -= alike_1
            if alike_1 or mates_now:
                peered += ((mates_now - alike_1) if count_now > 2 else 0) - (
                    mates_now if count_now > 1 else 0
                )
        return self.value_of(n, theme_sum, band_sum, distinct, alikes, peered, h.lead)

    def value_of(
        self, n: int, theme_sum: float, band_sum: float, distinct: int, alikes: int, peered: int, lead: float
    ) -> float:
        if n == 0:
            return 0.0
        w = self.w
        return (
            w.theme * theme_sum
            + w.band * band_sum
            + w.one_alike * peered
            + w.schools * distinct / n
            + w.leaders * lead
            - w.size * abs(n - w.preferred_size) / w.preferred_size
        )

    def value_after(self, h: DraftHub, out: int | None, into: int | None) -> float:
        """The hub's score if ``out`` left and ``into`` joined (either may be None)."""
        if out is None:
            if into is None:
                return h.value
            n, theme_sum, band_sum, distinct, alikes, peered = self.plus(h, into)[:6]
        elif into is None:
            n, theme_sum, band_sum, distinct, alikes, peered = self.without(h, out)[:6]
        else:
            return self.then(h, self.without(h, out), into)
        return self.value_of(n, theme_sum, band_sum, distinct, alikes, peered, h.lead)

    def add(self, hub: int, t: int) -> None:
        h = self.hubs[hub]
        h.members.append(t)
        self.hub_of[t] = hub
        self._adjust(h, t, +1)

    def remove(self, t: int) -> None:
        hub = self.hub_of[t]
        assert hub is not None
        h = self.hubs[hub]
        h.members.remove(t)
        self.hub_of[t] = None
        self._adjust(h, t, -1)

    def _adjust(self, h: DraftHub, t: int, sign: int) -> None:
        h.theme_sum += sign * self.tfit(t, h.theme)
        h.band_sum += sign * self.bfit(t, h.band)
        s, a = self.school[t], self.assignment[t]
        h.schools[s] += sign
        if h.schools[s] == 0:
            del h.schools[s]
        before = h.alikes_by[a] if h.assignments[a] > 1 else 0
        h.assignments[a] += sign
        if self.alike[t]:
            h.alikes_by[a] += sign
            h.alikes += sign
        h.peered += (h.alikes_by[a] if h.assignments[a] > 1 else 0) - before
        h.value = self.value_of(
            len(h.members), h.theme_sum, h.band_sum, len(h.schools), h.alikes, h.peered, h.lead
        )

    # ------------------------------------------------------------ labels

    def relabel(self, h: DraftHub) -> bool:
        """Give the hub the (theme, grade band) its members and leaders fit best; True if changed."""
        if not h.members:
            return False
        themes = {self.teachers[t].primary_theme for t in h.members}
        themes.update(th for t in h.members for th in self.teachers[t].themes)
        themes.update(th for m in h.leaders for th in self.mentors[m].expertise_themes)
        bands = {self.teachers[t].grade_band for t in h.members}

        def theme_score(theme: str) -> float:
            lead = sum(self.lfit(m, theme) for m in h.leaders) / len(h.leaders) if h.leaders else 0.0
            return self.w.theme * sum(self.tfit(t, theme) for t in h.members) + self.w.leaders * lead

        def band_score(band: str | None) -> float:
            return sum(self.bfit(t, band) for t in h.members)

        # The current label wins ties, so labels do not flip back and forth.
        theme = max(sorted(themes), key=lambda th: (round(theme_score(th), 9), th == h.theme))
        band = max(sorted(bands, key=lambda b: b or ""), key=lambda b: (round(band_score(b), 9), b == h.band))
        if (theme, band) == (h.theme, h.band):
            return False
        h.theme, h.band = theme, band
        self.rescore(h)
        return True

    # ------------------------------------------------------------ local search

    def may_join(self, t: int, h: DraftHub) -> bool:
        return not (self.evaluators[t] and self.evaluators[t].intersection(h.leaders))

    def movable(self, t: int, h: DraftHub) -> bool:
        """Whether ``t`` could gain anything by leaving ``h``: not fully on its theme or band, or
        sharing a school with a hub-mate, or a one-alike without an assignment peer."""
        return (
            self.tfit(t, h.theme) < 1
            or self.bfit(t, h.band) < 1
            or h.schools[self.school[t]] > 1
            or (self.alike[t] and h.assignments[self.assignment[t]] < 2)
        )

    def improve(self, passes: int = 3, neighbours: int = 8, budget: int = 1_000_000) -> int:
        """Move teachers between hubs, or swap two, while that raises the objective; hub sizes stay
        within bounds and no teacher joins a hub one of whose leaders evaluates them. Each teacher
        who could gain looks at the ``neighbours`` best-fitting other hubs; the evaluations are
        capped. Returns the number of evaluations made."""
        lo, hi = self.policy.min_hub_size, self.policy.max_hub_size
        w = self.w
        # The most the tie-breakers of two hubs can change when one person moves or two swap
        # (objective.py): schools 1/lo each, six one-alike connections, sizes. Exchanges whose
        # theme and band fits could not gain that much are skipped without being scored.
        slack = 2 * w.schools / lo + 6 * w.one_alike + 2 * w.size / w.preferred_size + EPS
        fits, evaluators = self._label_fit, self.evaluators
        evaluations = 0
        for _ in range(passes):
            improved = False
            index = self._label_index()
            orders: dict[object, list[tuple[str, str | None]]] = {}
            for t in range(len(self.teachers)):
                x = self.hub_of[t]
                if x is None or not self.movable(t, self.hubs[x]):
                    continue
                hx = self.hubs[x]
                best_gain: float = EPS
                best_move: tuple[int, int | None] | None = None
                x_without_t = self.without(hx, t)
                x_moved = self.value_of(*x_without_t[:6], hx.lead)
                x_may_shrink = len(hx.members) > lo
                t_here = self.label_fit(t, hx.theme, hx.band)
                for y in self._candidates(t, x, neighbours, index, orders):
                    hy = self.hubs[y]
                    if not self.may_join(t, hy):
                        continue
                    t_gain = self.label_fit(t, hy.theme, hy.band) - t_here
                    base = hx.value + hy.value
                    y_with_t = self.plus(hy, t)
                    if x_may_shrink and len(hy.members) < hi and t_gain + slack > best_gain:
                        evaluations += 1
                        gain = x_moved + self.value_of(*y_with_t[:6], hy.lead) - base
                        if gain > best_gain:
                            best_gain, best_move = gain, (y, None)
                    key_x, key_y = (hx.theme, hx.band), (hy.theme, hy.band)
                    for u in hy.members:
                        if evaluators[u] and not self.may_join(u, hx):
                            continue
                        cached = fits[u]  # label_fit, inlined: this loop is the search's hot spot
                        fit_x = cached.get(key_x)
                        if fit_x is None:
                            fit_x = self.label_fit(u, *key_x)
                        fit_y = cached.get(key_y)
                        if fit_y is None:
                            fit_y = self.label_fit(u, *key_y)
                        if t_gain + fit_x - fit_y + slack <= best_gain:
                            continue
                        evaluations += 1
                        gain = self.then(hx, x_without_t, u) + self.then(hy, y_with_t, u) - base
                        if gain > best_gain:
                            best_gain, best_move = gain, (y, u)
                if best_move is not None:
                    target, partner = best_move
                    self.remove(t)
                    if partner is not None:
                        self.remove(partner)
                        self.add(x, partner)
                    self.add(target, t)
                    improved = True
                if evaluations > budget:
                    return evaluations
            for h in self.hubs:
                improved = self.relabel(h) or improved
            if not improved:
                break
        return evaluations

    def _label_index(self) -> dict[tuple[str, str | None], list[int]]:
        index: dict[tuple[str, str | None], list[int]] = {}
        for y, h in enumerate(self.hubs):
            if h.members:
                index.setdefault((h.theme, h.band), []).append(y)
        return index

    def _candidates(
        self,
        t: int,
        x: int,
        limit: int,
        index: dict[tuple[str, str | None], list[int]],
        orders: dict[object, list[tuple[str, str | None]]],
    ) -> list[int]:
        """Other hubs worth trying for teacher ``t``: the best-fitting labels first, nearest first."""
        if len(self.hubs) <= limit + 1:
            return [y for y in range(len(self.hubs)) if y != x and self.hubs[y].members]
        # Teachers of one kind (listed themes, role, band) rank labels alike: sort once per pass.
        kind = (self.teachers[t].themes, self.teachers[t].role, self.teachers[t].grade_band)
        labels = orders.get(kind)
        if labels is None:
            labels = orders[kind] = sorted(
                index, key=lambda label: (-self.label_fit(t, *label), label[0], label[1] or "")
            )
        out: list[int] = []
        for label in labels:
            out += sorted((y for y in index[label] if y != x), key=lambda y: (abs(y - x), y))
            if len(out) >= limit:
                break
        return out[:limit]
