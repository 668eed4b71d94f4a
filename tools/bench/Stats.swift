/// Latency samples of one scenario and the figures printed for it.
struct Measurement: Sendable {
    var scenario: String
    var variant: String
    var count: Int
    var seconds: Double
    /// Latencies in seconds; empty where only throughput is meaningful.
    var latencies: [Double]
    var note: String = ""

    var throughput: Double { seconds > 0 ? Double(count) / seconds : 0 }

    /// A row saying `scenario` did not run on this engine, and why.
    static func skipped(_ scenario: String, because reason: String) -> Measurement {
        Measurement(scenario: scenario, variant: "skipped", count: 0, seconds: 0, latencies: [], note: reason)
    }

    func percentile(_ p: Double) -> Double? {
        guard !latencies.isEmpty else { return nil }
        let sorted = latencies.sorted()
        let rank = Int((p / 100 * Double(sorted.count - 1)).rounded())
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}

/// A figure that is not a latency table row: memory, size, start-up time.
struct Figure: Sendable {
    var name: String
    var value: Double
    var unit: String
}

enum Report {
    /// The report as text: `engine` (what the figures are of) first, then the rows, then the figures.
    static func table(_ rows: [Measurement], figures: [Figure], ratios: [Figure], engine: String) -> String {
        var lines = [
            "engine: \(engine)",
            pad("scenario", 10) + pad("variant", 30) + pad("count", 9, right: true) + pad("per s", 11, right: true)
                + pad("p50 ms", 10, right: true) + pad("p99 ms", 10, right: true) + pad("max ms", 10, right: true) + "  note"
        ]
        lines.append(String(repeating: "-", count: lines[1].count + 6))
        for row in rows {
            func ms(_ value: Double?) -> String { value.map { String(format: "%.2f", $0 * 1000) } ?? "-" }
            lines.append(
                pad(row.scenario, 10) + pad(row.variant, 30) + pad(String(row.count), 9, right: true)
                    + pad(String(format: "%.0f", row.throughput), 11, right: true) + pad(ms(row.percentile(50)), 10, right: true)
                    + pad(ms(row.percentile(99)), 10, right: true) + pad(ms(row.percentile(100)), 10, right: true) + "  " + row.note)
        }
        lines.append("")
        let nameWidth = (figures + ratios).map(\.name.count).max().map { $0 + 2 } ?? 0
        for figure in figures + ratios {
            lines.append(pad(figure.name, nameWidth) + String(format: "%.2f", figure.value) + " " + figure.unit)
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ rows: [Measurement], figures: [Figure], ratios: [Figure], engine: String) -> String {
        func number(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "null" }
        func string(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        let rowText = rows.map { row in
            "{\"scenario\":\(string(row.scenario)),\"variant\":\(string(row.variant)),\"count\":\(row.count),"
                + "\"per_second\":\(number(row.throughput)),\"p50_ms\":\(number(row.percentile(50).map { $0 * 1000 })),"
                + "\"p99_ms\":\(number(row.percentile(99).map { $0 * 1000 })),\"max_ms\":\(number(row.percentile(100).map { $0 * 1000 })),"
                + "\"note\":\(string(row.note))}"
        }
        let figureText = (figures + ratios).map { "{\"name\":\(string($0.name)),\"value\":\(number($0.value)),\"unit\":\(string($0.unit))}" }
        return "{\"engine\":\(string(engine)),\"measurements\":[\(rowText.joined(separator: ","))],\"figures\":[\(figureText.joined(separator: ","))]}"
    }

    private static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return right ? padding + text : text + padding
    }
}

import Foundation
