/// <reference path="../pb_data/types.d.ts" />
// PLANTED VULNERABILITY (PBG-HOK-008): SQL built by concatenation; name=' OR '1'='1 returns every user.
routerAdd("GET", "/api/pbg/lookup", (e) => {
  const name = e.request.url.query().get("name") || "";
  const sql = "SELECT id, email FROM users WHERE id = '" + e.auth.id + "' AND name = '" + name + "'";
  const rows = arrayOf(new DynamicModel({ id: "", email: "" }));
  $app.db().newQuery(sql).all(rows);
  return e.json(200, rows);
}, $apis.requireAuth("users"));
