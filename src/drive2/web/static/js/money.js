// The file page's money record (ai.money): what a receipt, an invoice
// or a transfer slip says was paid, when, to whom, with which reference.
import { h } from "./dom.js";

const KIND_LABEL = { transfer: "Transfer", receipt: "Receipt", invoice: "Invoice" };
const PARTY_LABEL = { transfer: "Paid to", receipt: "Merchant", invoice: "Issued by" };

// "2025-02-12" as a calendar day, read as written (no time zone shift).
export function formatDay(iso) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso || ""));
  if (!match) return String(iso || "");
  const day = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return new Intl.DateTimeFormat(undefined, { dateStyle: "long", timeZone: "UTC" }).format(day);
}

export function formatAmount(money) {
  const value = Number(money.amount);
  if (!Number.isFinite(value)) return `${money.amount} ${money.currency}`;
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: money.currency }).format(value);
  } catch {
    return `${value.toFixed(2)} ${money.currency}`;
  }
}

export function moneySection(file) {
  const money = file.ai && file.ai.money;
  if (!money) return null;
  const rows = [
    ["Kind", KIND_LABEL[money.kind] || money.kind],
    ["Amount", formatAmount(money)],
    ["Date", money.date ? formatDay(money.date) : ""],
    [PARTY_LABEL[money.kind] || "Counterparty", money.counterparty || ""],
    ["Reference", money.reference || ""],
  ].filter(([, value]) => value);
  return h(
    "section",
    { class: "panel money", "aria-labelledby": "section-money", id: "money" },
    h("h2", { id: "section-money" }, "Money"),
    h("dl", {}, rows.flatMap(([key, value]) => [h("dt", {}, key), h("dd", { class: `money-${key.toLowerCase().replace(/\s+/g, "-")}` }, value)])),
  );
}
