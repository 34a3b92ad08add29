// Account and Billing page. Talks only to the routes of API.md; card details go from the card
// field straight to Stripe (Stripe.js), never to our API.
const apiBase = document.querySelector('meta[name="api-base"]').content || "/";
const $ = (id) => document.getElementById(id);

const STATUS_LABELS = {
  paid: "Paid", failed: "Payment failed", pending: "Pending", action_required: "Needs action",
  void: "Void", uncollectible: "Uncollectible", draft: "Draft",
};

const state = { token: null, account: null, cursor: null, stripe: null, cardElement: null, ticket: null };

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `Request failed (${status})`);
    this.status = status;
    this.code = body?.error?.code;
  }
}

async function api(method, path, body) {
  const response = await fetch(apiBase + path.replace(/^\//, ""), {
    method,
    headers: {
      Authorization: `Bearer ${state.token}`,
      ...(body ? { "Content-Type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, payload);
  return payload;
}

function say(id, text, kind = "") {
  const element = $(id);
  element.textContent = text;
  element.className = `message ${kind}`.trim();
}

function money(amount, currency) {
  const code = (currency || "usd").toUpperCase();
  const digits = new Intl.NumberFormat("en-US", { style: "currency", currency: code })
    .resolvedOptions().maximumFractionDigits;
  return new Intl.NumberFormat(undefined, { style: "currency", currency: code })
    .format(amount / 10 ** digits);
}

function date(iso) {
  return iso ? new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" }) : "";
}

function readToken() {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get("token");
  if (fromUrl) {
    sessionStorage.setItem("billing.token", fromUrl);
    url.searchParams.delete("token");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
  return sessionStorage.getItem("billing.token");
}

// ---------------------------------------------------------------- account and card
async function loadAccount() {
  try {
    state.account = await api("GET", "/v1/account");
  } catch (error) {
    if (error.code === "account_cancelled") {
      state.account = null;
      const banner = $("banner");
      banner.textContent = "This account is cancelled. Your invoices remain available below.";
      banner.hidden = false;
      $("billing").hidden = true;
      $("cancel-section").hidden = true;
      return;
    }
    throw error;
  }
  const account = state.account;
  $("account-line").textContent = `${account.name} · ${account.email}`;
  showCard(account.card);
  const due = account.balance_due;
  $("balance-line").textContent = due.amount > 0
    ? `Balance due: ${money(due.amount, due.currency)} (${account.open_invoice_count} open invoice${account.open_invoice_count === 1 ? "" : "s"}). Submitting a new card pays it.`
    : "Nothing due.";
  $("billing").hidden = false;
  $("cancel-section").hidden = false;
}

function showCard(card) {
  $("card-summary").textContent = card
    ? `${card.brand.charAt(0).toUpperCase()}${card.brand.slice(1)} ending in ${card.last4}, expires ${String(card.exp_month).padStart(2, "0")}/${card.exp_year}`
    : "No card on file.";
}

function openCardForm() {
  $("card-form").hidden = false;
  $("update-card").setAttribute("aria-expanded", "true");
  say("card-message", "");
  const focusTarget = $("card-element").querySelector("input") || $("submit-payment");
  focusTarget.focus();
}

function closeCardForm() {
  $("card-form").hidden = true;
  $("update-card").setAttribute("aria-expanded", "false");
  $("update-card").focus();
}

async function ensureCardElement(publishableKey) {
  if (state.stripe) return;
  state.stripe = window.Stripe(publishableKey);
  state.cardElement = state.stripe.elements().create("card");
  state.cardElement.mount("#card-element");
}

async function prepareCardField() {
  // Mounting needs the publishable key (not a secret), which comes with a SetupIntent.
  const intent = await api("POST", "/v1/billing/setup-intents");
  await ensureCardElement(intent.publishable_key);
  state.setupIntent = intent;
}

async function submitPayment(event) {
  event.preventDefault();
  const button = $("submit-payment");
  button.disabled = true;
  say("card-message", "Confirming your card…");
  try {
    const intent = state.setupIntent || (await api("POST", "/v1/billing/setup-intents"));
    state.setupIntent = null;
    const result = await state.stripe.confirmCardSetup(intent.client_secret, {
      payment_method: { card: state.cardElement },
    });
    if (result.error) {
      say("card-message", result.error.message || "Your card could not be confirmed.", "error");
      state.setupIntent = await api("POST", "/v1/billing/setup-intents");
      return;
    }
    say("card-message", "Paying open invoices…");
    const outcome = await api("PUT", "/v1/billing/card", { setup_intent_id: result.setupIntent.id });
    const paid = outcome.invoices_paid.length;
    let text = `Card updated. ${paid} invoice${paid === 1 ? "" : "s"} paid.`;
    if (outcome.invoices_failed.length) {
      text += ` ${outcome.invoices_failed.length} still unpaid: ${outcome.invoices_failed.map((f) => f.message).join("; ")}`;
    }
    // The answer already holds the new card: show it with the message, not after the reloads.
    showCard(outcome.card);
    say("card-message", text, outcome.invoices_failed.length ? "error" : "ok");
    $("card-form").hidden = true;
    $("update-card").setAttribute("aria-expanded", "false");
    await Promise.all([loadAccount(), reloadInvoices()]);
  } catch (error) {
    say("card-message", error.message, "error");
    state.setupIntent = null;
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- invoices
function invoiceRow(invoice) {
  const row = document.createElement("tr");
  row.dataset.invoiceId = invoice.id;
  const cells = [
    date(invoice.created),
    invoice.number || invoice.id,
    invoice.description || "Subscription",
    money(invoice.amount_due, invoice.currency),
  ];
  cells.forEach((text, index) => {
    const cell = document.createElement("td");
    cell.textContent = text;
    if (index === 3) cell.className = "num";
    row.appendChild(cell);
  });
  const status = document.createElement("td");
  const badge = document.createElement("span");
  badge.className = `badge ${invoice.payment_status}`;
  badge.textContent = STATUS_LABELS[invoice.payment_status] || invoice.payment_status;
  status.appendChild(badge);
  if (invoice.payment_status === "failed" && invoice.failure_message) {
    const reason = document.createElement("span");
    reason.className = "reason";
    reason.textContent = invoice.failure_message;
    status.appendChild(reason);
  }
  row.appendChild(status);
  const download = document.createElement("td");
  if (invoice.status !== "draft") {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = "Download";
    button.setAttribute("aria-label", `Download invoice ${invoice.number || invoice.id} as PDF`);
    button.addEventListener("click", () => downloadInvoice(invoice, button));
    download.appendChild(button);
  }
  row.appendChild(download);
  return row;
}

async function loadInvoices() {
  const query = new URLSearchParams({ limit: "10" });
  if (state.cursor) query.set("cursor", state.cursor);
  const page = await api("GET", `/v1/billing/invoices?${query}`);
  const rows = $("invoice-rows");
  page.invoices.forEach((invoice) => rows.appendChild(invoiceRow(invoice)));
  state.cursor = page.next_cursor;
  $("load-more").hidden = !state.cursor;
  $("invoices-empty").hidden = rows.children.length > 0;
  $("invoices-table").hidden = rows.children.length === 0;
  $("invoices-section").hidden = false;
}

async function reloadInvoices() {
  $("invoice-rows").replaceChildren();
  state.cursor = null;
  await loadInvoices();
}

async function downloadInvoice(invoice, button) {
  button.disabled = true;
  say("invoice-message", "Preparing the PDF…");
  try {
    const link = await api("GET", `/v1/billing/invoices/${encodeURIComponent(invoice.id)}/download`);
    const anchor = document.createElement("a");
    anchor.href = link.url;
    anchor.download = link.filename;
    document.body.appendChild(anchor);
    anchor.click();
    anchor.remove();
    say("invoice-message", `Downloading ${link.filename}.`, "ok");
  } catch (error) {
    say("invoice-message", error.message, "error");
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- cancellation
function showTicket(ticket) {
  state.ticket = ticket;
  const open = ticket && ["open", "processing"].includes(ticket.status);
  $("ticket-view").hidden = !open;
  $("cancel-form").hidden = Boolean(open);
  if (!open) return;
  $("ticket-id").textContent = ticket.id;
  $("ticket-status").textContent = ticket.status;
  $("ticket-detail").textContent = ticket.status === "open"
    ? "Support will review it shortly. You can withdraw it until then."
    : "Support approved it; your leads are being reassigned.";
  $("withdraw-ticket").hidden = ticket.status !== "open";
}

async function loadTickets() {
  const { tickets } = await api("GET", "/v1/account/cancellation-tickets");
  showTicket(tickets.find((t) => ["open", "processing"].includes(t.status)) || null);
}

async function submitCancellation(event) {
  event.preventDefault();
  const reason = $("cancel-reason").value;
  const acknowledged = $("cancel-ack").checked;
  if (!reason || !acknowledged) {
    say("cancel-message", "Choose a reason and confirm that you understand the consequences.", "error");
    (reason ? $("cancel-ack") : $("cancel-reason")).focus();
    return;
  }
  $("submit-cancel").disabled = true;
  try {
    const comment = $("cancel-comment").value.trim();
    const ticket = await api("POST", "/v1/account/cancellation-tickets", {
      reason, acknowledge_consequences: true, ...(comment ? { comment } : {}),
    });
    say("cancel-message", "Your cancellation request was sent to support.", "ok");
    showTicket(ticket);
    $("withdraw-ticket").focus();
  } catch (error) {
    say("cancel-message", error.message, "error");
  } finally {
    $("submit-cancel").disabled = false;
  }
}

async function withdrawTicket() {
  try {
    await api("DELETE", `/v1/account/cancellation-tickets/${encodeURIComponent(state.ticket.id)}`);
    say("cancel-message", "Your cancellation request was withdrawn.", "ok");
    showTicket(null);
    $("cancel-form").reset();
    await loadAccount();
  } catch (error) {
    say("cancel-message", error.message, "error");
  }
}

// ---------------------------------------------------------------- start
async function start() {
  state.token = readToken();
  if (!state.token) {
    $("sign-in").hidden = false;
    return;
  }
  try {
    await loadAccount();
    await loadInvoices();
    if (state.account) await loadTickets();
  } catch (error) {
    if (error.status === 401) {
      sessionStorage.removeItem("billing.token");
      $("sign-in").hidden = false;
      say("card-message", "");
      return;
    }
    const banner = $("banner");
    banner.textContent = error.message;
    banner.hidden = false;
  }
}

$("sign-in-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("billing.token", $("token-input").value.trim());
  $("sign-in").hidden = true;
  start();
});
$("update-card").addEventListener("click", async () => {
  openCardForm();
  try {
    if (!state.stripe) await prepareCardField();
    $("card-element").querySelector("input")?.focus();
  } catch (error) {
    say("card-message", error.message, "error");
  }
});
$("cancel-card").addEventListener("click", closeCardForm);
$("card-form").addEventListener("submit", submitPayment);
$("load-more").addEventListener("click", () => loadInvoices().catch((e) => say("invoice-message", e.message, "error")));
$("cancel-form").addEventListener("submit", submitCancellation);
$("withdraw-ticket").addEventListener("click", withdrawTicket);

start();
