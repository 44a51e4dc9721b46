/* The query page's editor: CodeMirror 5 (SPARQL mode) over the plain textarea, which stays the
   form field, so the page works without JavaScript. Ctrl/Cmd+Enter runs the query; Tab is left to
   the browser so keyboard users can leave the editor. */
(function () {
  "use strict";
  var textarea = document.getElementById("sparql-query");
  if (!textarea || typeof CodeMirror === "undefined") return;
  var form = textarea.form;
  var editor = CodeMirror.fromTextArea(textarea, {
    mode: "application/sparql-query",
    lineNumbers: true,
    lineWrapping: true,
    viewportMargin: Infinity,  // the whole query is drawn and the editor grows with it (sparql.css)
    screenReaderLabel: document.querySelector('label[for="sparql-query"]').textContent,
    extraKeys: {
      "Ctrl-Enter": function () { editor.save(); form.submit(); },
      "Cmd-Enter": function () { editor.save(); form.submit(); },
      "Tab": false,
      "Shift-Tab": false
    }
  });
  editor.getInputField().setAttribute("aria-describedby", "sparql-query-help");
  form.addEventListener("submit", function () { editor.save(); });
})();
