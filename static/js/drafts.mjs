// Keeps a form's text in this browser tab while it is sent. A body too large for the server
// (templates/413.html, cases.uploads.FormTooLargeMiddleware) saves nothing, so coming back to
// the form puts the text back. Any other page clears what was kept: the send went through.
const PREFIX = "lcspr-draft:";
const RESTORE = "lcspr-draft-restore";

const keyOf = (form) => PREFIX + new URL(form.action || location.href, location.href).pathname;
// Text areas and radios only: a text input may hold who the child is (a name, an NHS
// number), which is never kept outside the form; nor is anything of a form marked
// data-no-drafts (the restricted file).
const fieldsOf = (form) => form.querySelectorAll("textarea[name], input[type=radio][name]");

function keep(form) {
  const values = {};
  for (const field of fieldsOf(form)) {
    if (field.type === "radio") {
      if (field.checked) values[field.name] = field.value;
    } else {
      values[field.name] = field.value;
    }
  }
  try {
    sessionStorage.setItem(keyOf(form), JSON.stringify(values));
  } catch {
    // Storage full or turned off: the form is sent as usual.
  }
}

function putBack(form, values) {
  for (const field of fieldsOf(form)) {
    if (!(field.name in values)) continue;
    if (field.type === "radio") field.checked = field.value === values[field.name];
    else field.value = values[field.name];
    field.dispatchEvent(new Event("input", { bubbles: true })); // updates the character count
  }
}

function forget() {
  for (const key of Object.keys(sessionStorage)) {
    if (key.startsWith(PREFIX)) sessionStorage.removeItem(key);
  }
  sessionStorage.removeItem(RESTORE);
}

export function initDrafts() {
  if (document.querySelector("[data-form-too-large]")) {
    sessionStorage.setItem(RESTORE, "1");
    return;
  }
  const forms = [...document.querySelectorAll("form[method=post]:not([data-no-drafts])")].filter(
    (form) => form.querySelector("textarea"),
  );
  if (sessionStorage.getItem(RESTORE)) {
    for (const form of forms) {
      const kept = sessionStorage.getItem(keyOf(form));
      if (kept) putBack(form, JSON.parse(kept));
    }
  }
  forget();
  for (const form of forms) form.addEventListener("submit", () => keep(form));
}
