/// <reference path="../pb_data/types.d.ts" />
// PLANTED VULNERABILITY (PBG-HOK-009): no auth middleware; the "key" only has to be present.
routerAdd("GET", "/api/pbg/export", (e) => {
  if (!e.request.header.get("X-Export-Key")) {
    throw new UnauthorizedError("export key required");
  }
  const rows = arrayOf(new DynamicModel({ email: "" }));
  $app.db().newQuery("SELECT email FROM users").all(rows);
  return e.json(200, rows);
});
