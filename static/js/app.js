// Corebank front-end glue. CSP forbids inline script: everything lives here.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Every HTMX request carries the CSRF token in a header (Flask-WTF reads X-CSRFToken).
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // Good news fades; an error stays until dismissed (or pushed out by newer toasts): people need
  // time to read what went wrong and what to do next.
  var TOAST_MS = 6000;
  var MAX_TOASTS = 3;

  function dismiss(toast) {
    if (toast && toast.parentNode) {
      toast.parentNode.removeChild(toast);
    }
  }

  function showToast(message, level) {
    var region = document.getElementById("toasts");
    if (!region || !message) {
      return;
    }
    var toast = document.createElement("div");
    toast.className = "toast toast-" + (level === "error" ? "error" : level === "info" ? "info" : "success");
    var text = document.createElement("p");
    text.textContent = message; // never innerHTML: messages may quote user input
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.textContent = "Dismiss";
    close.setAttribute("data-dismiss", "");
    toast.appendChild(text);
    toast.appendChild(close);
    region.appendChild(toast);
    // A burst of actions must not bury the page under toasts: keep the newest few.
    while (region.children.length > MAX_TOASTS) {
      dismiss(region.firstElementChild);
    }
    if (level !== "error") {
      window.setTimeout(function () { dismiss(toast); }, TOAST_MS);
    }
  }

  // The server's HX-Trigger header: {"toast": {"level": "success", "message": "..."}}.
  document.addEventListener("toast", function (event) {
    var detail = event.detail || {};
    showToast(detail.message, detail.level);
  });

  // Assistive technology hears that a form or button is working (CSS shows a spinner).
  document.addEventListener("htmx:beforeRequest", function (event) {
    event.detail.elt.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    event.detail.elt.removeAttribute("aria-busy");
  });

  document.addEventListener("htmx:sendError", function () {
    showToast("The bank could not be reached. Check your connection and try again.", "error");
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.hasAttribute && target.hasAttribute("data-dismiss")) {
      dismiss(target.closest(".toast"));
    }
  });

  // A field's error answers what was sent. Once the person changes the field it no longer does (next
  // to a recipient the lookup has just found, a refusal of the number typed before would contradict
  // it), so it goes; the server checks the field again on the next submit.
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field || !field.getAttribute || field.getAttribute("aria-invalid") !== "true") {
      return;
    }
    var errorId = field.id + "-error";
    var error = field.id ? document.getElementById(errorId) : null;
    if (error && error.parentNode) {
      error.parentNode.removeChild(error);
    }
    var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== errorId;
    });
    if (described.length) {
      field.setAttribute("aria-describedby", described.join(" "));
    } else {
      field.removeAttribute("aria-describedby");
    }
    field.removeAttribute("aria-invalid");
    var wrapper = field.closest(".field");
    if (wrapper) {
      wrapper.classList.remove("has-error");
    }
  });

  // A new profile starts in the browser's time zone (registration form, hidden field).
  function fillBrowserTimezone(scope) {
    var zone = "";
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      zone = "";
    }
    (scope || document).querySelectorAll("input[data-browser-timezone]").forEach(function (input) {
      if (!input.value) {
        input.value = zone;
      }
    });
  }
  document.addEventListener("htmx:afterSettle", function (event) { fillBrowserTimezone(event.detail.target); });

  // Flashed messages (from plain form posts) fade like HTMX toasts.
  document.addEventListener("DOMContentLoaded", function () {
    fillBrowserTimezone(document);
    document.querySelectorAll("#toasts .toast:not(.toast-error)").forEach(function (toast) {
      window.setTimeout(function () { dismiss(toast); }, TOAST_MS);
    });
  });

  // After a fragment swap, move focus to the first invalid field so keyboard and screen-reader
  // users land on the error; a refusal that names no field (a wrong password, money still in the
  // account) focuses the form's message instead; otherwise leave focus alone. An outerHTML swap
  // (a form that answers itself) replaces the target: the element htmx names is then detached, so
  // the field is looked for in what took its place, found from where the old element stood.
  var swapped = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    swapped = target ? { target: target, parent: target.parentNode, next: target.nextElementSibling } : null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var scope = event.detail.target;
    if (swapped && scope === swapped.target && !scope.isConnected && swapped.parent) {
      scope = swapped.next ? swapped.next.previousElementSibling : swapped.parent.lastElementChild;
    }
    swapped = null;
    if (!scope || !scope.querySelector) {
      return;
    }
    var invalid = scope.querySelector('[aria-invalid="true"]');
    var failed = event.detail.xhr && event.detail.xhr.status >= 400;
    var message = scope.matches(".form-message") ? scope : scope.querySelector(".form-message");
    if (invalid) {
      invalid.focus();
    } else if (failed && message) {
      message.focus();
    }
  });
})();
