/// Runs `operation` for at most `limit`: its result, or nil when the limit came first. The operation is then
/// cancelled and awaited (so it must stop when cancelled); a result it still produced is handed to `discard`, so
/// nothing it made (a received file) is left behind.
func withTimeLimit<T: Sendable>(
    _ limit: Duration, discarding discard: @Sendable (T) -> Void = { _ in }, _ operation: @escaping @Sendable () async -> T
) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { await operation() }
        group.addTask {
            try? await Task.sleep(for: limit)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        for await late in group { if let late { discard(late) } }
        return first
    }
}
