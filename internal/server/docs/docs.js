// Tenantry's docs page: Swagger UI over the server's own OpenAPI document,
// with every asset served by the server itself.
"use strict";

(function () {
  // The schemes a page cannot use: a cookie that the browser keeps
  // HttpOnly cannot be typed into a box, so Authorize does not offer it.
  // (A session opened with POST /auth/login here is still sent by the
  // browser.) The document itself keeps the scheme.
  function pageSchemes(spec) {
    var schemes = (spec.components && spec.components.securitySchemes) || {};
    var dropped = {};
    Object.keys(schemes).forEach(function (name) {
      var s = schemes[name];
      if (s.type === "apiKey" && s.in === "cookie") {
        dropped[name] = true;
        delete schemes[name];
      }
    });
    Object.keys(spec.paths || {}).forEach(function (path) {
      var item = spec.paths[path];
      Object.keys(item).forEach(function (method) {
        var op = item[method];
        if (op && Array.isArray(op.security) && op.security.length > 0) {
          op.security = op.security.filter(function (req) {
            return !Object.keys(req).some(function (k) { return dropped[k]; });
          });
        }
      });
    });
    return spec;
  }

  // Swagger UI sends the (hidden, empty) client credentials of the
  // password flow as "Authorization: Basic ..."; the token endpoint takes
  // none, so they are not sent.
  function dropClientCredentials(req) {
    if (new URL(req.url, window.location.href).pathname === "/auth/token" && req.headers) {
      delete req.headers.Authorization;
    }
    return req;
  }

  function fail(msg) {
    var p = document.createElement("p");
    p.className = "docs-note";
    p.setAttribute("role", "alert");
    p.textContent = "The OpenAPI document could not be loaded: " + msg;
    document.getElementById("swagger-ui").appendChild(p);
  }

  fetch("/openapi.json", { credentials: "same-origin" })
    .then(function (res) {
      if (!res.ok) {
        throw new Error("GET /openapi.json answered " + res.status);
      }
      return res.json();
    })
    .then(function (spec) {
      window.ui = SwaggerUIBundle({
        spec: pageSchemes(spec),
        dom_id: "#swagger-ui",
        deepLinking: true,
        presets: [SwaggerUIBundle.presets.apis],
        layout: "BaseLayout",
        // Never ask the public validator about the document.
        validatorUrl: null,
        // A token kept in localStorage would outlive the tab and be
        // readable by any script of the origin: Authorize lasts the page.
        persistAuthorization: false,
        defaultModelsExpandDepth: -1,
        requestInterceptor: dropClientCredentials
      });
    })
    .catch(function (err) { fail(err.message); });
})();
