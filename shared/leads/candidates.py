"""Who can take a departing agent's leads (API.md, "Reassignment rule"): the active agents
serving each territory, least loaded first, ties to the lowest account id."""

from __future__ import annotations

from collections.abc import Iterable

from shared.data.tables.accounts import ACTIVE, AccountModel, TerritoryAgentModel


class CandidatePool:
    """The candidates of each territory (active agents serving it, never the departing agent)
    and their lead loads: read once per job, then kept current as leads are placed."""

    def __init__(self, departing_agent_id: str) -> None:
        self.departing_agent_id = departing_agent_id
        self.loads: dict[str, int] = {}
        self._by_territory: dict[str, list[str]] = {}
        self._not_candidates: set[str] = {departing_agent_id}

    def best_for(self, territory: str) -> str | None:
        """Fewest leads first; ties go to the lowest account_id."""
        candidates = self._candidates(territory)
        if not candidates:
            return None
        return min(candidates, key=lambda agent_id: (self.loads[agent_id], agent_id))

    def placed(self, agent_id: str) -> None:
        self.loads[agent_id] += 1

    def drop(self, agent_id: str) -> None:
        """The agent stopped being a candidate (cancelled or asked to) while the job ran."""
        self._not_candidates.add(agent_id)
        self.loads.pop(agent_id, None)
        for territory, agents in self._by_territory.items():
            self._by_territory[territory] = [agent for agent in agents if agent != agent_id]

    def _candidates(self, territory: str) -> list[str]:
        if territory not in self._by_territory:
            serving = [row.account_id for row in TerritoryAgentModel.query(territory)]
            self._learn(
                agent_id
                for agent_id in serving
                if agent_id not in self.loads and agent_id not in self._not_candidates
            )
            self._by_territory[territory] = [agent for agent in serving if agent in self.loads]
        return self._by_territory[territory]

    def _learn(self, agent_ids: Iterable[str]) -> None:
        unknown = sorted(set(agent_ids))
        if not unknown:
            return
        found = {
            account.account_id: account
            for account in AccountModel.batch_get(unknown, consistent_read=True)
        }
        for agent_id in unknown:
            account = found.get(agent_id)
            # `active` means: not cancelled and no open cancellation ticket.
            if account is not None and account.status == ACTIVE:
                self.loads[agent_id] = int(account.lead_count)
            else:
                self._not_candidates.add(agent_id)
