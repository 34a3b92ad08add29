// Account and Billing page. Talks only to the routes of API.md; card details go from the card
// field straight to Stripe (Stripe.js), never to our API. A payment the bank wants the agent to
// authenticate (3-D Secure) is completed here with Stripe.js confirmCardPayment, then the pay
// route is asked again: it is never reported as a decline.
const apiBase = document.querySelector('meta[name="api-base"]').content || "/";
const $ = (id) => document.getElementById(id);

const STATUS_LABELS = {
  paid: "Paid", failed: "Payment failed", pending: "Pending", action_required: "Needs authentication",
  void: "Void", uncollectible: "Uncollectible", draft: "Draft",
};

// What an agent can do about an unpaid invoice: pay it with the card on file, or confirm with
// the bank a payment that waits for 3-D Secure.
const PAY_ACTIONS = { failed: "Pay now", uncollectible: "Pay now", action_required: "Complete payment" };

const state = {
  token: null, account: null, cursor: null, stripe: null, cardElement: null, ticket: null,
  paying: false, // one payment at a time: every pay button and Submit Payment wait for it
};

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `Request failed (${status})`);
    this.status = status;
    this.code = body?.error?.code;
  }
}

async function api(method, path, body, extraHeaders = {}) {
  const response = await fetch(apiBase + path.replace(/^\//, ""), {
    method,
    headers: {
      Authorization: `Bearer ${state.token}`,
      ...(body ? { "Content-Type": "application/json" } : {}),
      ...extraHeaders,
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

function stripeClient(publishableKey) {
  if (!state.stripe) {
    const key = publishableKey || document.querySelector('meta[name="stripe-key"]').content;
    state.stripe = window.Stripe(key);
  }
  return state.stripe;
}

async function ensureCardElement(publishableKey) {
  if (state.cardElement) return;
  state.cardElement = stripeClient(publishableKey).elements().create("card");
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
  if (state.paying) return;
  setPaying(true);
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
    // The answer already holds the new card: show it with the message, not after the reloads.
    showCard(outcome.card);
    const paid = [...outcome.invoices_paid];
    const failed = outcome.invoices_failed.map((f) => f.message);
    const unauthenticated = [];
    // The bank wants the agent to confirm these payments: do it now, before reporting.
    for (const pending of outcome.invoices_requiring_action || []) {
      say("card-message", "Your bank asks you to confirm the payment…");
      const settled = await completeAuthentication(pending.id, pending.client_secret);
      if (settled.paid) paid.push(pending.id);
      else if (settled.declined) failed.push(settled.message);
      else unauthenticated.push(settled.message);
    }
    let text = `Card updated. ${paid.length} invoice${paid.length === 1 ? "" : "s"} paid.`;
    if (failed.length) {
      text += ` ${failed.length} still unpaid: ${failed.join("; ")}`;
    }
    if (unauthenticated.length) {
      const count = unauthenticated.length;
      text += ` ${count} invoice${count === 1 ? " was" : "s were"} not confirmed with your bank (${unauthenticated.join("; ")}) and ${count === 1 ? "is" : "are"} still unpaid: pay ${count === 1 ? "it" : "them"} from the invoice list when you are ready.`;
    }
    say("card-message", text, failed.length || unauthenticated.length ? "error" : "ok");
    $("card-form").hidden = true;
    $("update-card").setAttribute("aria-expanded", "false");
    await Promise.all([loadAccount(), reloadInvoices()]);
  } catch (error) {
    say("card-message", error.message, "error");
    state.setupIntent = null;
  } finally {
    setPaying(false);
  }
}

// ---------------------------------------------------------------- paying one invoice
function setPaying(paying) {
  state.paying = paying;
  document.querySelectorAll("button.pay-invoice, #submit-payment").forEach((button) => {
    button.disabled = paying;
  });
}

function newRequestKey() {
  return window.crypto?.randomUUID ? window.crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

function payRoute(invoiceId) {
  // One key per request: a retry of it is the same Stripe request, never a second charge.
  return api("POST", `/v1/billing/invoices/${encodeURIComponent(invoiceId)}/pay`, undefined, {
    "Idempotency-Key": newRequestKey(),
  });
}

// Stripe.js confirmCardPayment (the bank's 3-D Secure), then the pay route again, which reads
// the invoice paid. Resolves to {paid, invoice} or {paid: false, message[, declined]}.
async function completeAuthentication(invoiceId, clientSecret) {
  const result = await stripeClient().confirmCardPayment(clientSecret);
  const intentStatus = result.paymentIntent?.status;
  if (result.error || !["succeeded", "processing", "requires_capture"].includes(intentStatus)) {
    return {
      paid: false,
      message: result.error?.message || "authentication was cancelled or failed",
    };
  }
  try {
    const answer = await payRoute(invoiceId);
    if (answer.outcome === "paid") return { paid: true, invoice: answer.invoice };
    return { paid: false, invoice: answer.invoice, message: "the payment still waits for your bank" };
  } catch (error) {
    if (error.code === "card_declined") return { paid: false, declined: true, message: error.message };
    throw error;
  }
}

async function payInvoice(invoice) {
  if (state.paying) return; // a second click while paying charges nothing more
  setPaying(true);
  const label = invoice.number || invoice.id;
  say("invoice-message", `Paying invoice ${label}…`);
  let latest = invoice;
  try {
    let answer = await payRoute(invoice.id);
    latest = answer.invoice;
    if (answer.outcome === "requires_action") {
      say("invoice-message", `Your bank asks you to confirm the payment of invoice ${label}…`);
      const settled = await completeAuthentication(invoice.id, answer.client_secret);
      latest = settled.invoice || latest;
      answer = settled.paid ? { outcome: "paid" } : null;
      if (!answer) {
        const kind = settled.declined ? "was declined" : "was not confirmed with your bank";
        say("invoice-message", `Invoice ${label} ${kind} (${settled.message}). It is still unpaid; you can try again.`, "error");
        latest = await refreshedInvoice(invoice.id, latest);
        return;
      }
    }
    say("invoice-message", `Invoice ${label} is paid. Thank you.`, "ok");
  } catch (error) {
    say("invoice-message", error.message, "error");
    latest = await refreshedInvoice(invoice.id, latest);
  } finally {
    replaceRow(latest);
    setPaying(false);
    $("invoice-message").focus();
    if (state.account) loadAccount().catch(() => {});
  }
}

async function refreshedInvoice(invoiceId, fallback) {
  try {
    return await api("GET", `/v1/billing/invoices/${encodeURIComponent(invoiceId)}`);
  } catch {
    return fallback;
  }
}

function replaceRow(invoice) {
  const current = document.querySelector(`tr[data-invoice-id="${CSS.escape(invoice.id)}"]`);
  if (current) current.replaceWith(invoiceRow(invoice));
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
  const cell = document.createElement("td");
  const actions = document.createElement("div");
  actions.className = "row-actions";
  const label = invoice.number || invoice.id;
  const action = PAY_ACTIONS[invoice.payment_status];
  if (action) {
    const pay = document.createElement("button");
    pay.type = "button";
    pay.className = "pay-invoice";
    pay.textContent = action;
    pay.setAttribute("aria-label", `${action}: invoice ${label}`);
    pay.disabled = state.paying;
    pay.addEventListener("click", () => payInvoice(invoice));
    actions.appendChild(pay);
  }
  if (invoice.status !== "draft") {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = "Download";
    button.setAttribute("aria-label", `Download invoice ${label} as PDF`);
    button.addEventListener("click", () => downloadInvoice(invoice, button));
    actions.appendChild(button);
  }
  cell.appendChild(actions);
  row.appendChild(cell);
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
    if (!state.cardElement) await prepareCardField();
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
