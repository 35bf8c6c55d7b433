/// <reference path="../pb_data/types.d.ts" />
// SAFE TWIN of PBG-HOK-009: the key is compared (constant time) with a secret from the environment.
routerAdd("GET", "/api/pbg/export", (e) => {
  const key = e.request.header.get("X-Export-Key");
  const secret = $os.getenv("PBG_EXPORT_KEY");
  if (!secret || !key || !$security.equal(key, secret)) {
    throw new UnauthorizedError("export key required");
  }
  const rows = arrayOf(new DynamicModel({ email: "" }));
  $app.db().newQuery("SELECT email FROM users").all(rows);
  return e.json(200, rows);
});
