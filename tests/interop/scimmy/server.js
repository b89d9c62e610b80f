// An in-memory SCIM 2.0 server on SCIMMY + scimmy-routers, for Roster's interop tests
// (scripts/interop.sh starts it). SCIMMY is a library: storage is the application's
// job, so this glue keeps users and groups in two Maps and does what a small real
// deployment would: filtering through SCIMMY's Filter, meta timestamps and versions,
// groups whose members are not mirrored on users (User.groups stays empty).
//
// Environment: PORT (required), HOST (default 127.0.0.1), TOKEN (default "interop").
// Serves under /scim/v2.

import { randomUUID } from "node:crypto";
import express from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";

const port = Number(process.env.PORT);
const host = process.env.HOST || "127.0.0.1";
const token = process.env.TOKEN || "interop";
if (!Number.isInteger(port) || port <= 0) {
  console.error("server.js: set PORT to the port to listen on");
  process.exit(2);
}
if (host !== "127.0.0.1" && host !== "localhost") {
  console.error("server.js: only listens on loopback");
  process.exit(2);
}

const store = { User: new Map(), Group: new Map() };
let version = 0;

// What a stored resource looks like on the way out: its data plus meta.
function stamped(data, previous) {
  const now = new Date();
  version += 1;
  return {
    ...data,
    meta: {
      created: previous?.meta?.created ?? now,
      lastModified: now,
      version: `W/"${version}"`,
    },
  };
}

function declare(Resource, kind) {
  SCIMMY.Resources.declare(Resource)
    .egress((resource) => {
      const map = store[kind];
      if (resource.id) {
        const found = map.get(resource.id);
        if (!found) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
        return found;
      }
      const all = [...map.values()];
      return resource.filter ? resource.filter.match(all) : all;
    })
    .ingress((resource, instance) => {
      const map = store[kind];
      if (resource.id && !map.has(resource.id)) {
        throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
      }
      if (kind === "User") {
        const taken = [...map.values()].find(
          (u) => u.userName.toLowerCase() === String(instance.userName).toLowerCase() && u.id !== resource.id,
        );
        if (taken) throw new SCIMMY.Types.Error(409, "uniqueness", `userName ${instance.userName} is taken`);
      }
      const id = resource.id ?? randomUUID();
      const previous = map.get(id);
      const { meta, schemas, ...fields } = JSON.parse(JSON.stringify(instance));
      const saved = stamped({ ...fields, id }, previous);
      map.set(id, saved);
      return saved;
    })
    .degress((resource) => {
      const map = store[kind];
      if (!map.delete(resource.id)) {
        throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
      }
      if (kind === "User") {
        for (const [gid, group] of store.Group) {
          const members = (group.members ?? []).filter((m) => m.value !== resource.id);
          if (members.length !== (group.members ?? []).length) {
            store.Group.set(gid, stamped({ ...group, members }, group));
          }
        }
      }
    });
}

declare(SCIMMY.Resources.User, "User");
declare(SCIMMY.Resources.Group, "Group");
SCIMMY.Config.set({ patch: true, filter: true, sort: true, etag: false, bulk: false });

const app = express();
app.use(
  "/scim/v2",
  new SCIMMYRouters({
    type: "bearer",
    docUri: "http://127.0.0.1/interop",
    handler: (request) => {
      if (request.header("Authorization") !== `Bearer ${token}`) {
        throw new Error("Authorization failed");
      }
      return "interop-admin";
    },
  }),
);
app.listen(port, host, () => {
  console.log(`scimmy interop server on http://${host}:${port}/scim/v2`);
});
