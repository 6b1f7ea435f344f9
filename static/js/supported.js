// GOV.UK Frontend styles its JavaScript-enhanced components only when this class is set.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
