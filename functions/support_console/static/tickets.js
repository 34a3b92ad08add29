// The cancellation ticket queue: open tickets first (the ones waiting for a decision), then those
// being processed, each with Approve (confirmed, immediately or at period end) and Reject (with
// a note), and a progress bar that follows the reassignment until the ticket is completed.
import {
  $, agentOf, api, button, date, el, enc, fact, plural, say, sleep, uniqueId,
} from "./common.js";

const REASONS = {
  too_expensive: "Too expensive", missing_features: "Missing features",
  switched_service: "Switched to another service", unused: "Not using it enough",
  customer_service: "Customer service", too_complex: "Too complex", low_quality: "Lead quality",
  other: "Other",
};
const STATUS_LABELS = {
  open: "Open", processing: "Processing", completed: "Completed", withdrawn: "Withdrawn",
  rejected: "Rejected",
};
const POLL_MS = 1000;
const PAGE = 20;

const queue = { cursor: null, watching: new Set(), onCompleted: () => {} };

export function onReassignmentCompleted(callback) {
  queue.onCompleted = callback;
}

// The first call of the page: a token without the support group gets 403 here, before any data.
export async function loadTickets({ more = false } = {}) {
  const query = new URLSearchParams({ status: "open", limit: String(PAGE) });
  if (more && queue.cursor) query.set("cursor", queue.cursor);
  const open = await api("GET", `/v1/support/tickets?${query}`);
  const processing = more
    ? { tickets: [] }
    : await api("GET", "/v1/support/tickets?status=processing&limit=50");
  const list = $("ticket-list");
  if (!more) list.replaceChildren();
  const tickets = [...open.tickets, ...processing.tickets];
  const views = await Promise.all(tickets.map(async (ticket) => ticketView(ticket, await agentOf(ticket.account_id))));
  for (const view of views) {
    list.append(view.item);
    // Follow a reassignment already running when the queue loaded (watch stops once the
    // ticket's item leaves the page, so it starts after the item is in it).
    if (view.ticket.status === "processing") watch(view);
  }
  queue.cursor = open.next_cursor;
  $("tickets-more").hidden = !queue.cursor;
  summarise();
  $("tickets").hidden = false;
}

function summarise() {
  const openCount = $("ticket-list").querySelectorAll('[data-status="open"]').length;
  $("tickets-summary").textContent = openCount
    ? `${plural(openCount, "open ticket")} waiting for a decision${queue.cursor ? " (more below)" : ""}.`
    : "No open tickets waiting for a decision.";
}

function leadCount(ticket, agent) {
  if (ticket.reassignment) return String(ticket.reassignment.total);
  return agent ? String(agent.lead_count) : "Unknown";
}

function ticketView(ticket, agent) {
  const id = uniqueId("ticket");
  const view = { ticket, agent, id };
  view.badge = el("span", { className: `badge ${ticket.status}` });
  const heading = el("h3", { attrs: { id: `${id}-heading`, tabindex: "-1" } }, `Ticket ${ticket.id} `, view.badge);
  view.heading = heading;
  const agentText = agent
    ? `${agent.name} (${agent.account_id}) · ${agent.email}`
    : `${ticket.account_id} (account not found)`;
  view.leads = fact("Leads", leadCount(ticket, agent));
  const facts = el("dl", { className: "facts" },
    fact("Agent", agentText),
    fact("Reason", REASONS[ticket.reason] || ticket.reason),
    fact("Comment", ticket.comment || "None"),
    view.leads,
    fact("Opened", date(ticket.created)),
  );
  view.note = fact("Note", "");
  facts.append(view.note);
  view.progressLabel = el("p", { className: "progress-label", attrs: { id: `${id}-progress` } });
  view.progress = el("progress", { attrs: { "aria-labelledby": `${id}-progress`, max: "1", value: "0" } });
  view.progressBlock = el("div", { className: "progress-block" }, view.progressLabel, view.progress);
  view.approve = button("Approve");
  view.reject = button("Reject", { className: "secondary" });
  for (const action of [view.approve, view.reject]) action.setAttribute("aria-describedby", `${id}-heading`);
  view.actions = el("div", { className: "actions" }, view.approve, view.reject);
  view.approveForm = approveForm(view);
  view.rejectForm = rejectForm(view);
  view.message = el("p", { className: "message", attrs: { role: "status", "aria-live": "polite" } });
  view.item = el("li", { className: "ticket", attrs: { "data-ticket-id": ticket.id, "aria-labelledby": `${id}-heading` } },
    heading, facts, view.progressBlock, view.actions, view.approveForm, view.rejectForm, view.message);
  view.approve.addEventListener("click", () => openForm(view, view.approveForm));
  view.reject.addEventListener("click", () => openForm(view, view.rejectForm));
  show(view, ticket);
  return view;
}

function show(view, ticket) {
  view.ticket = ticket;
  view.item.dataset.status = ticket.status;
  if (view.item.isConnected) summarise();
  view.badge.textContent = STATUS_LABELS[ticket.status] || ticket.status;
  view.badge.className = `badge ${ticket.status}`;
  view.actions.hidden = ticket.status !== "open";
  if (ticket.status !== "open") {
    view.approveForm.hidden = true;
    view.rejectForm.hidden = true;
  }
  view.note.hidden = !ticket.note;
  view.note.querySelector("dd").textContent = ticket.note || "";
  const progress = ticket.reassignment;
  view.progressBlock.hidden = !progress;
  if (!progress) return;
  view.leads.querySelector("dd").textContent = String(progress.total);
  const placed = progress.reassigned + progress.unassigned;
  view.progress.max = Math.max(progress.total, 1);
  view.progress.value = progress.total ? placed : (ticket.status === "completed" ? 1 : 0);
  view.progressLabel.textContent = `Reassignment: ${placed} of ${plural(progress.total, "lead")} placed`
    + ` (${progress.reassigned} to other agents, ${progress.unassigned} to the unassigned pool)`
    + (ticket.status === "completed" ? ". Completed." : ".");
}

function openForm(view, form) {
  view.approveForm.hidden = form !== view.approveForm;
  view.rejectForm.hidden = form !== view.rejectForm;
  say(view.message, "");
  form.querySelector("input, textarea").focus();
}

function closeForms(view, focusTarget) {
  view.approveForm.hidden = true;
  view.rejectForm.hidden = true;
  focusTarget.focus();
}

function cancelOnEscape(view, form, focusTarget) {
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeForms(view, focusTarget());
  });
}

function approveForm(view) {
  const name = `${view.id}-effective`;
  const choice = (value, text, checked) => {
    const input = el("input", { attrs: { type: "radio", name, value } });
    input.checked = checked;
    return el("label", { className: "choice" }, input, ` ${text}`);
  };
  const who = view.agent ? view.agent.name : view.ticket.account_id;
  const form = el("form", { className: "confirm", attrs: { "aria-label": `Approve ticket ${view.ticket.id}` } },
    el("fieldset", {},
      el("legend", {}, `Approve the cancellation of ${who}? It takes effect:`),
      choice("immediately", "Immediately", true),
      choice("period_end", "At the end of the billing period", false)),
    el("p", { className: "muted", text: "Stripe cancels the subscription, the agent loses access, and every lead of the agent is reassigned." }),
    el("div", { className: "actions" },
      button("Confirm approval", { className: "danger", type: "submit" }),
      backButton(view, () => view.approve)));
  form.hidden = true;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    approve(view, form.querySelector("input:checked").value, form.querySelector("[type=submit]"));
  });
  cancelOnEscape(view, form, () => view.approve);
  return form;
}

function rejectForm(view) {
  const noteId = `${view.id}-note`;
  const note = el("textarea", { attrs: { id: noteId, rows: "3", maxlength: "2000", required: "" } });
  const form = el("form", { className: "confirm", attrs: { "aria-label": `Reject ticket ${view.ticket.id}` } },
    el("label", { attrs: { for: noteId } }, "Note for the agent (why the request is rejected)"),
    note,
    el("div", { className: "actions" },
      button("Confirm rejection", { className: "danger", type: "submit" }),
      backButton(view, () => view.reject)));
  form.hidden = true;
  form.noValidate = true;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    reject(view, note, form.querySelector("[type=submit]"));
  });
  cancelOnEscape(view, form, () => view.reject);
  return form;
}

function backButton(view, focusTarget) {
  const back = button("Back", { className: "secondary" });
  back.addEventListener("click", () => closeForms(view, focusTarget()));
  return back;
}

async function approve(view, effective, submit) {
  submit.disabled = true;
  say(view.message, "Approving…");
  try {
    const ticket = await api("POST", `/v1/support/tickets/${enc(view.ticket.id)}/approve`, { effective });
    show(view, ticket);
    say(view.message, "Approved. The subscription is cancelled; the leads are being reassigned.", "ok");
    view.heading.focus();
    watch(view);
  } catch (error) {
    say(view.message, error.message, "error");
  } finally {
    submit.disabled = false;
  }
}

async function reject(view, note, submit) {
  const text = note.value.trim();
  if (!text) {
    say(view.message, "Write a note for the agent before rejecting.", "error");
    note.focus();
    return;
  }
  submit.disabled = true;
  try {
    const ticket = await api("POST", `/v1/support/tickets/${enc(view.ticket.id)}/reject`, { note: text });
    show(view, ticket);
    say(view.message, "Rejected. The agent's account is active again.", "ok");
    view.heading.focus();
  } catch (error) {
    say(view.message, error.message, "error");
  } finally {
    submit.disabled = false;
  }
}

// Follows a processing ticket until it completes (the reassignment runs on its own queue).
async function watch(view) {
  const id = view.ticket.id;
  if (queue.watching.has(id)) return;
  queue.watching.add(id);
  try {
    while (view.item.isConnected && view.ticket.status === "processing") {
      await sleep(POLL_MS);
      try {
        show(view, await api("GET", `/v1/support/tickets/${enc(id)}`));
      } catch (error) {
        say(view.message, `Could not refresh this ticket: ${error.message}`, "error");
      }
    }
    if (view.ticket.status === "completed") {
      const { reassigned, unassigned } = view.ticket.reassignment || { reassigned: 0, unassigned: 0 };
      say(view.message, `Completed: ${plural(reassigned, "lead")} reassigned, ${unassigned} to the unassigned pool.`, "ok");
      queue.onCompleted();
    }
  } finally {
    queue.watching.delete(id);
  }
}
