/**
 * Strings live in one dictionary per language (lang/en.js, lang/zh.js, same keys).
 * The choice is kept in localStorage; the first visit follows the browser.
 */
import en from "./lang/en.js";
import zh from "./lang/zh.js";

/** @typedef {keyof typeof en} MsgKey */
/** @typedef {"zh" | "en"} Lang */

// Both dictionaries must have exactly the same keys: these two lines fail the type check otherwise.
/** @type {Record<keyof typeof en, string>} */
const zhChecked = zh;
/** @type {Record<keyof typeof zh, string>} */
const enChecked = en;
/** @type {Record<Lang, Record<string, string>>} */
const dictionaries = { en: enChecked, zh: zhChecked };
const STORAGE_KEY = "haitang.lang";

/** @type {Lang} */
let current = initialLang();
/** @type {Set<() => void>} */
const listeners = new Set();

/** @returns {Lang} */
function initialLang() {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === "zh" || saved === "en") return saved;
  return navigator.language.toLowerCase().startsWith("zh") ? "zh" : "en";
}

/** @returns {Lang} */
export function lang() {
  return current;
}

/** @param {Lang} next */
export function setLang(next) {
  current = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
  for (const l of listeners) l();
}

/** @param {() => void} fn */
export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * Translates `key`, filling {name} placeholders from `vars`. A missing key shows itself.
 * @param {MsgKey} key
 * @param {Record<string, string | number>} [vars]
 */
export function t(key, vars) {
  const text = dictionaries[current][key] ?? dictionaries.en[key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/**
 * Translates a key built at run time (e.g. "severity.critical"), falling back to `fallback`.
 * @param {string} key
 * @param {string} fallback
 */
export function tDynamic(key, fallback) {
  return dictionaries[current][key] ?? dictionaries.en[key] ?? fallback;
}

document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
