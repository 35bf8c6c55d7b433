/// <reference path="../pb_data/types.d.ts" />
// SAFE TWIN of PBG-HOK-008: bound parameters.
routerAdd("GET", "/api/pbg/lookup", (e) => {
  const name = e.request.url.query().get("name") || "";
  const rows = arrayOf(new DynamicModel({ id: "", email: "" }));
  $app.db().newQuery("SELECT id, email FROM users WHERE id = {:uid} AND name = {:name}")
    .bind({ uid: e.auth.id, name: name }).all(rows);
  return e.json(200, rows);
}, $apis.requireAuth("users"));
