# workerd's configuration for the example (the local runtime of Cloudflare Workers).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    # Outbound TCP for postgres.js: loopback and private addresses are refused by default.
    (name = "net", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "dist/worker.js")],
  compatibilityDate = "2025-09-01",
  # postgres.js imports node:buffer, node:events and node:stream.
  compatibilityFlags = ["nodejs_compat"],
  globalOutbound = "net",
  bindings = [(name = "DATABASE_URL", fromEnvironment = "DATABASE_URL")],
);
