// What every part of the support console shares: the API client (same sign-in as the Account
// and Billing page), DOM building where every value is set as text (never parsed as HTML), and
// formatting for display.
const apiBase = document.querySelector('meta[name="api-base"]').content || "/";

export const TOKEN_KEY = "billing.token"; // the Account and Billing page's sign-in
export const $ = (id) => document.getElementById(id);
export const session = { token: null };

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `Request failed (${status})`);
    this.status = status;
    this.code = body?.error?.code;
  }
}

export async function api(method, path, body) {
  const response = await fetch(apiBase + path.replace(/^\//, ""), {
    method,
    headers: {
      Authorization: `Bearer ${session.token}`,
      ...(body ? { "Content-Type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, payload);
  return payload;
}

export const enc = encodeURIComponent;

// el("p", { className, text, attrs }, ...children): children are nodes or strings (text nodes).
export function el(tag, options = {}, ...children) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined && options.text !== null) node.textContent = String(options.text);
  for (const [name, value] of Object.entries(options.attrs || {})) node.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

export function button(text, { className = "", hiddenText = "", type = "button" } = {}) {
  const node = el("button", { className, attrs: { type } }, text);
  if (hiddenText) node.append(el("span", { className: "visually-hidden", text: hiddenText }));
  return node;
}

export function fact(term, value) {
  const row = el("div", { className: "fact" }, el("dt", { text: term }), el("dd", { text: value }));
  row.dataset.fact = term;
  return row;
}

export function say(target, text, kind = "") {
  const element = typeof target === "string" ? $(target) : target;
  element.textContent = text;
  element.className = `message ${kind}`.trim();
}

let uid = 0;
export const uniqueId = (prefix) => `${prefix}-${++uid}`;

export function money(amount, currency) {
  const code = (currency || "usd").toUpperCase();
  const digits = new Intl.NumberFormat("en-US", { style: "currency", currency: code })
    .resolvedOptions().maximumFractionDigits;
  return new Intl.NumberFormat(undefined, { style: "currency", currency: code })
    .format(amount / 10 ** digits);
}

export function date(iso) {
  return iso ? new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" }) : "";
}

export function dateTime(iso) {
  if (!iso) return "";
  const moment = new Date(iso);
  return Number.isNaN(moment.getTime()) ? String(iso) : moment.toLocaleString();
}

export function duration(seconds) {
  const total = Math.max(0, Math.round(Number(seconds) || 0));
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes} min ${total % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export const plural = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;

export const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

export const INVOICE_STATUS_LABELS = {
  paid: "Paid", failed: "Payment failed", pending: "Pending", action_required: "Needs action",
  void: "Void", uncollectible: "Uncollectible", draft: "Draft",
};

export const ACCOUNT_STATUS_LABELS = {
  active: "Active", cancellation_requested: "Cancellation requested", cancelled: "Cancelled",
};

// Agents by account id, each read once per page load (a ticket names its agent by id only).
const agents = new Map();
export function agentOf(accountId) {
  if (!agents.has(accountId)) {
    agents.set(accountId, api("GET", `/v1/support/accounts/${enc(accountId)}`).catch(() => null));
  }
  return agents.get(accountId);
}
