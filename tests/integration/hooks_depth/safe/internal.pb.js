/// <reference path="../pb_data/types.d.ts" />
// SAFE TWIN of PBG-HOK-010: e.realIP() honours settings.trustedProxy (none here: the peer address).
routerAdd("GET", "/api/pbg/internal", (e) => {
  const OFFICE = ["10.20.30.40"];
  if (!OFFICE.includes(e.realIP())) {
    throw new ForbiddenError("office only");
  }
  return e.json(200, { users: $app.countRecords("users") });
});
