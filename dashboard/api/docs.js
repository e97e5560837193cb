// Swagger UI from npm (swagger-ui-dist), served by the service: /docs works offline.
window.SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  // No calls out: no validator badge fetched from swagger.io.
  validatorUrl: null,
});
