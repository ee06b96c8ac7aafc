// Starts Swagger UI on /api/v1/docs. CSP forbids inline script: this file is the page's only glue.
(function () {
  "use strict";
  window.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("swagger-ui");
    if (!root || typeof window.SwaggerUIBundle !== "function") {
      return;
    }
    window.SwaggerUIBundle({
      url: root.getAttribute("data-spec"),
      domNode: root,
      deepLinking: true,
      displayOperationId: true,
      docExpansion: "list",
      defaultModelsExpandDepth: 0,
      tryItOutEnabled: false,
      validatorUrl: null,
    });
  });
})();
