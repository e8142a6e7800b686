// Suggestions as you type: a progressive enhancement of every search box that has a
// data-suggest URL. Without this script the form still searches; with it, the box
// becomes an ARIA combobox listing questions whose words start with what was typed.
// Choosing one opens its answer in the source. No HTML strings: text goes in as text.
(function () {
  "use strict";

  var DELAY_MS = 120;
  var counter = 0;

  function enhance(input) {
    var url = input.getAttribute("data-suggest");
    var field = input.parentElement;
    var listId = input.id + "-suggestions";
    var list = document.createElement("ul");
    var status = document.createElement("div");
    var timer = null;
    var controller = null;
    var options = [];
    var active = -1;

    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggested questions");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    field.appendChild(list);
    field.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function select(index) {
      options.forEach(function (option, i) {
        option.element.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].element.id);
        options[index].element.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function open(suggestion) {
      window.location.assign(suggestion.url);
    }

    function appendMarked(parent, text, highlights) {
      var position = 0;
      highlights.forEach(function (span) {
        if (span[0] > position) {
          parent.appendChild(document.createTextNode(text.slice(position, span[0])));
        }
        var mark = document.createElement("mark");
        mark.textContent = text.slice(span[0], span[1]);
        parent.appendChild(mark);
        position = span[1];
      });
      parent.appendChild(document.createTextNode(text.slice(position)));
    }

    function show(suggestions) {
      list.textContent = "";
      options = suggestions.map(function (suggestion, i) {
        var item = document.createElement("li");
        var source = document.createElement("span");
        item.id = listId + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        appendMarked(item, suggestion.question, suggestion.highlights);
        source.className = "suggestion-source";
        source.textContent = suggestion.title;
        item.appendChild(source);
        // Keep the focus in the box while the pointer is down on an option.
        item.addEventListener("mousedown", function (event) { event.preventDefault(); });
        item.addEventListener("click", function () { open(suggestion); });
        list.appendChild(item);
        return { element: item, suggestion: suggestion };
      });
      active = -1;
      if (options.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        status.textContent = options.length + (options.length === 1 ? " suggestion" : " suggestions") +
          ". Use the up and down arrows to choose.";
      } else {
        close();
        status.textContent = "";
      }
    }

    function fetchSuggestions() {
      var typed = input.value;
      if (!typed.trim()) {
        show([]);
        return;
      }
      if (controller) {
        controller.abort();
      }
      controller = new AbortController();
      var request = url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(typed);
      fetch(request, { signal: controller.signal, headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) {
          if (input.value === typed && document.activeElement === input) {
            show(data.suggestions || []);
          }
        })
        .catch(function (error) {
          if (error.name !== "AbortError") {
            show([]);
          }
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      if (list.hidden || !options.length) {
        if (event.key === "ArrowDown" && input.value.trim()) {
          fetchSuggestions();
          event.preventDefault();
        }
        return;
      }
      if (event.key === "ArrowDown") {
        select((active + 1) % options.length);
        event.preventDefault();
      } else if (event.key === "ArrowUp") {
        select(active <= 0 ? options.length - 1 : active - 1);
        event.preventDefault();
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        open(options[active].suggestion);
      } else if (event.key === "Escape") {
        close();
        event.preventDefault();
      }
    });

    input.addEventListener("blur", close);
  }

  function start() {
    var inputs = document.querySelectorAll("input[data-suggest]");
    Array.prototype.forEach.call(inputs, function (input) {
      if (!input.id) {
        counter += 1;
        input.id = "search-" + counter;
      }
      enhance(input);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
