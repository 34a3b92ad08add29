// The operations panel: how far the Stripe catch-up lags, and every dead-letter queue with its
// message count and a Redrive that moves its messages back to their source queue.
import { $, api, button, dateTime, duration, el, enc, fact, plural, say } from "./common.js";

// More than two scheduled runs (5 minutes each in AWS) behind: worth a look.
const LAG_WARNING_SECONDS = 600;

export async function loadOperations() {
  let operations;
  try {
    operations = await api("GET", "/v1/support/operations");
  } catch (error) {
    $("catch-up").replaceChildren();
    $("dead-letter-rows").replaceChildren();
    say("operations-message", `The operations view is unavailable: ${error.message}`, "error");
    return;
  }
  renderCatchUp(operations.catch_up || {});
  renderDeadLetters(operations.dead_letters || {});
}

function renderCatchUp(catchUp) {
  const lag = fact("Lag", catchUp.lag_seconds === undefined || catchUp.lag_seconds === null
    ? "Unknown"
    : duration(catchUp.lag_seconds));
  if (catchUp.lag_seconds > LAG_WARNING_SECONDS) lag.classList.add("warn");
  $("catch-up").replaceChildren(
    fact("Last run", catchUp.last_run_at ? dateTime(catchUp.last_run_at) : "Never"),
    fact("Checkpoint", catchUp.checkpoint ? dateTime(catchUp.checkpoint) : "None yet"),
    lag,
  );
  if (catchUp.recommendation) {
    const advice = fact("Recommendation", catchUp.recommendation);
    advice.classList.add("warn");
    $("catch-up").append(advice);
  }
}

function renderDeadLetters(deadLetters) {
  const queues = Object.entries(deadLetters).sort(([a], [b]) => a.localeCompare(b));
  $("dead-letter-rows").replaceChildren(...queues.map(([queue, count]) => {
    const redrive = button("Redrive", { hiddenText: ` ${queue}` });
    redrive.disabled = count === 0;
    redrive.addEventListener("click", () => redriveQueue(queue, redrive));
    const row = el("tr", {}, el("td", { text: queue }), el("td", { className: "num", text: String(count) }), el("td", {}, redrive));
    row.dataset.queue = queue;
    if (count > 0) row.className = "attention";
    return row;
  }));
  $("dead-letters-empty").hidden = queues.length > 0;
  $("dead-letters").hidden = queues.length === 0;
}

async function redriveQueue(queue, control) {
  control.disabled = true;
  say("operations-message", `Redriving ${queue}…`);
  try {
    const { moved } = await api("POST", `/v1/support/operations/dead-letters/${enc(queue)}/redrive`);
    await loadOperations();
    say("operations-message", `Moved ${plural(moved, "message")} from the ${queue} dead letters back to their queue.`, "ok");
  } catch (error) {
    say("operations-message", error.message, "error");
    control.disabled = false;
  }
  $("operations-refresh").focus();
}
