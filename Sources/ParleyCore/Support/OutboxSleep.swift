/// The outbox workers' pause between polls (webhooks, pushes): until `wakes` yields (a commit that wrote rows, a finished
/// attempt) or the earliest pending row falls due (`next`), and at most `pollInterval`.
func sleepUntilWokenOrDue(
    _ wakes: inout AsyncStream<Void>.Iterator, next: WebhookTime?, pollInterval: Duration, wake: @escaping @Sendable () -> Void
) async {
    var wait = pollInterval
    if let next {
        wait = min(wait, .milliseconds(max(5, next.millisecondsSince1970 - WebhookTime.now.millisecondsSince1970)))
    }
    let sleep = wait
    await withTaskGroup(of: Void.self) { timer in
        timer.addTask {
            do {
                try await Task.sleep(for: sleep)
                wake()
            } catch {}
        }
        _ = await wakes.next()
        timer.cancelAll()
    }
}
