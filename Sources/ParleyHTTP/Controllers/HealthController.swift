import Hummingbird
import ParleyCore

/// `GET /healthz` (liveness: the process answers) and `GET /readyz` (readiness: the database takes a write
/// transaction, the last write did not fail for want of storage, there is free disk space, and its migrations are
/// exactly this binary's), for load balancers and orchestrators. No
/// authentication; the answers say nothing about the data.
struct HealthController: Sendable {
    let store: Store
    /// Below this many free bytes where the database lives, the node is not ready; nil: not checked.
    var minimumFreeBytes: Int64? = nil

    func register(on router: Router<ParleyRequestContext>) {
        router.get("healthz") { _, _ in JSONResponse.make(status: .ok, .object([("status", .string("ok"))])) }
        router.get("readyz") { _, _ in await readiness() }
    }

    func readiness() async -> Response {
        var problems: [String] = []
        var reachable = true
        do {
            try await store.checkWritable()
        } catch {
            problems.append("database not writable: \(error)")
            // An unreachable database would make the migration check wait out a second connection timeout to say so again.
            if case ParleyError.storageUnavailable = error { reachable = false }
        }
        if let failure = store.writeHealth.failure { problems.append("the last write failed: \(failure)") }
        if let minimum = minimumFreeBytes, let path = store.path, let free = WriteHealth.freeBytes(near: path), free < minimum {
            problems.append("free disk space \(free / 1_048_576) MiB is below \(minimum / 1_048_576) MiB")
        }
        if reachable { problems += await migrationProblems() }
        if problems.isEmpty {
            return JSONResponse.make(status: .ok, .object([("status", .string("ready")), ("database", .string("writable")), ("migrations", .string("current"))]))
        }
        return JSONResponse.make(status: .serviceUnavailable, .object([("status", .string("unavailable")), ("problems", .array(problems.map(JSONValue.string)))]))
    }

    /// What keeps the database's migrations from being exactly this binary's, if anything.
    private func migrationProblems() async -> [String] {
        do {
            let pending = try await store.pendingMigrations()
            return pending.isEmpty ? [] : ["pending migrations: \(pending.map(\.name).joined(separator: ", "))"]
        } catch let error as SchemaMigrator.NewerDatabaseError {
            return [error.description]
        } catch {
            return ["migration status unreadable: \(error)"]
        }
    }
}
