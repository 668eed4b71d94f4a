/// An ISO 8601 duration as Twilio's timers take it (`PT5M`, `P1D`, `P1DT12H`, `PT90S`).
/// Years and months are refused: their length in seconds is not fixed.
public struct ISODuration: Sendable, Equatable {
    public let text: String
    public let seconds: Int64

    public init?(_ text: String) {
        var seconds: Int64 = 0
        var number: Int64?
        var inTime = false
        var sawUnit = false
        var characters = text.makeIterator()
        guard characters.next() == "P" else { return nil }
        while let character = characters.next() {
            if let digit = character.wholeNumberValue, character.isASCII {
                let (scaled, overflow) = (number ?? 0).multipliedReportingOverflow(by: 10)
                guard !overflow, scaled <= Int64.max / 86_400 / 7 - 10 else { return nil }
                number = scaled + Int64(digit)
                continue
            }
            if character == "T" {
                guard !inTime, number == nil else { return nil }
                inTime = true
                continue
            }
            guard let value = number else { return nil }
            let unit: Int64
            switch (character, inTime) {
            case ("W", false): unit = 604_800
            case ("D", false): unit = 86_400
            case ("H", true): unit = 3600
            case ("M", true): unit = 60
            case ("S", true): unit = 1
            default: return nil
            }
            seconds += value * unit
            number = nil
            sawUnit = true
        }
        guard sawUnit, number == nil else { return nil }
        self.text = text
        self.seconds = seconds
    }
}
