// "Did this answer your question?" without leaving the page: a progressive enhancement of
// the vote form. Without this script the form is posted and the page comes back with a
// thank-you; with it, the form goes to its JSON twin and is replaced by the thank-you.
// No cookies are sent; text goes in as text, never as HTML.
(function () {
  "use strict";

  function enhance(form) {
    var status = form.querySelector(".feedback-status");
    var buttons = form.querySelectorAll("button[type=submit]");

    function busy(on) {
      for (var i = 0; i < buttons.length; i++) buttons[i].disabled = on;
      form.setAttribute("aria-busy", on ? "true" : "false");
    }

    function thank(message) {
      var thanks = document.createElement("p");
      thanks.className = "feedback-thanks";
      thanks.setAttribute("role", "status");
      thanks.setAttribute("tabindex", "-1");
      thanks.textContent = message || "Thank you for your answer.";
      var privacy = form.parentNode.querySelector(".feedback-privacy");
      if (privacy) privacy.remove();
      form.replaceWith(thanks);
      thanks.focus();
    }

    function fail(message) {
      status.textContent = message || "Your answer could not be sent. Please try again.";
      busy(false);
    }

    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || !window.fetch || !window.URLSearchParams) return; // a plain post
      event.preventDefault();
      var body = new URLSearchParams(new FormData(form));
      body.set("answer", button.value);
      busy(true);
      status.textContent = "";
      fetch(form.getAttribute("data-json-action"), {
        method: "POST",
        body: body,
        headers: { "Accept": "application/json" },
        credentials: "omit"
      }).then(function (response) {
        return response.json().then(function (data) {
          if (response.ok) thank(data.message);
          else fail(data.error);
        });
      }).catch(function () { fail(); });
    });
  }

  var forms = document.querySelectorAll("form.feedback-form[data-json-action]");
  for (var i = 0; i < forms.length; i++) enhance(forms[i]);
})();
