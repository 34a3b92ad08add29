// The unassigned pool, optionally one territory, with Assign: the agents who serve the lead's
// territory are offered, least loaded first (the order the reassignment itself uses).
import { $, api, button, el, enc, plural, say, uniqueId } from "./common.js";

const PAGE = 25;
// `shown` numbers the listings: an answer to an older listing never replaces a newer one.
// `opening` is the lead whose Assign form is being fetched.
const pool = { cursor: null, territory: "", shown: 0, opening: null };

export async function showPool(event) {
  event.preventDefault();
  pool.territory = $("pool-territory").value.trim();
  await loadPool().catch((error) => say("pool-message", error.message, "error"));
}

export async function loadPool({ more = false } = {}) {
  const query = new URLSearchParams({ status: "unassigned", limit: String(PAGE) });
  if (pool.territory) query.set("territory", pool.territory);
  if (more && pool.cursor) query.set("cursor", pool.cursor);
  const listing = more ? pool.shown : ++pool.shown;
  const page = await api("GET", `/v1/support/leads?${query}`);
  if (listing !== pool.shown) return;
  const rows = $("pool-rows");
  if (!more) rows.replaceChildren();
  page.leads.forEach((lead) => rows.append(leadRow(lead)));
  pool.cursor = page.next_cursor;
  $("pool-more").hidden = !pool.cursor;
  summarise();
}

// A reassignment finishing in the background may park leads in the pool: show them, unless
// support is in the middle of assigning one (an Assign form open or opening, or focus in the
// list), whose row a redraw would take away; then say the list is out of date instead.
export async function refreshPoolInBackground() {
  const rows = $("pool-rows");
  if (pool.opening || rows.querySelector("tr.assign-row") || rows.contains(document.activeElement)) {
    say("pool-message", "Leads have moved since this list was shown: Show leads to see them.");
    return;
  }
  await loadPool();
}

// The listing the console shows when it opens, unless support has already asked for one.
export async function showFirstPool() {
  if (pool.shown === 0) await loadPool();
}

function summarise() {
  const count = $("pool-rows").querySelectorAll("tr[data-lead-id]").length;
  const where = pool.territory ? ` in territory ${pool.territory}` : "";
  $("pool-summary").textContent = count
    ? `${plural(count, "unassigned lead")}${where} shown${pool.cursor ? " (more below)" : ""}.`
    : `No unassigned leads${where}.`;
  $("pool-table").hidden = count === 0;
}

function leadRow(lead) {
  const assign = button("Assign", { hiddenText: ` lead ${lead.lead_id}` });
  const row = el("tr", {},
    el("td", { text: lead.lead_id }),
    el("td", { text: lead.territory }),
    el("td", { text: lead.address || "No address" }),
    el("td", { className: "num", text: lead.score === null ? "" : lead.score.toFixed(2) }),
    el("td", {}, assign));
  row.dataset.leadId = lead.lead_id;
  assign.addEventListener("click", () => openAssign(lead, row, assign));
  return row;
}

function rowOf(leadId) {
  return [...$("pool-rows").querySelectorAll("tr[data-lead-id]")].find((row) => row.dataset.leadId === leadId);
}

function closeAssign() {
  document.querySelectorAll("#pool-rows tr.assign-row").forEach((open) => open.remove());
}

async function openAssign(lead, row, opener) {
  closeAssign();
  opener.disabled = true;
  pool.opening = lead.lead_id;
  say("pool-message", "");
  try {
    const { agents } = await api("GET", `/v1/support/agents?${new URLSearchParams({ territory: lead.territory })}`);
    // A listing that arrived meanwhile redrew the rows: the form goes under the lead's new row.
    const current = row.isConnected ? row : rowOf(lead.lead_id);
    if (!current) return;
    const assignButton = current.querySelector("button");
    const cell = el("td", { attrs: { colspan: "5" } });
    const formRow = el("tr", { className: "assign-row" }, cell);
    formRow.dataset.assignFor = lead.lead_id;
    const back = button("Cancel", { className: "secondary" });
    back.addEventListener("click", () => { formRow.remove(); assignButton.focus(); });
    if (agents.length === 0) {
      cell.append(el("p", { text: `No active agent serves territory ${lead.territory}. Add the territory to an agent, then assign.` }), back);
      current.after(formRow);
      back.focus();
      return;
    }
    cell.append(assignForm(lead, agents, formRow, assignButton, back));
    current.after(formRow);
    formRow.querySelector("select").focus();
  } catch (error) {
    say("pool-message", error.message, "error");
  } finally {
    opener.disabled = false;
    pool.opening = null;
  }
}

function assignForm(lead, agents, formRow, opener, back) {
  const selectId = uniqueId("assign-agent");
  const select = el("select", { attrs: { id: selectId } }, ...agents.map((agent) => el("option", {
    attrs: { value: agent.account_id },
    text: `${agent.name} (${agent.account_id}) · ${plural(agent.lead_count, "lead")}`,
  })));
  const form = el("form", { className: "assign-form", attrs: { "aria-label": `Assign lead ${lead.lead_id}` } },
    el("label", { attrs: { for: selectId } }, `Agent for lead ${lead.lead_id} (territory ${lead.territory}), least loaded first`),
    select,
    el("div", { className: "actions" }, button("Assign lead", { type: "submit" }), back));
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { formRow.remove(); opener.focus(); }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const submit = form.querySelector("[type=submit]");
    submit.disabled = true;
    const agent = agents.find((candidate) => candidate.account_id === select.value);
    try {
      await api("POST", `/v1/support/leads/${enc(lead.lead_id)}/assign`, { agent_id: agent.account_id });
      const row = formRow.previousElementSibling;
      const next = formRow.nextElementSibling?.querySelector("button");
      formRow.remove();
      row.remove();
      summarise();
      say("pool-message", `Lead ${lead.lead_id} assigned to ${agent.name}.`, "ok");
      (next || $("pool-territory")).focus();
    } catch (error) {
      say("pool-message", error.message, "error");
      submit.disabled = false;
      if (error.status === 409 || error.status === 404) await loadPool();
    }
  });
  return form;
}
