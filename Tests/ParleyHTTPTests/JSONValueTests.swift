import Foundation
import Testing

@testable import ParleyHTTP

/// The JSON writer every response and socket frame goes through.
struct JSONValueTests {
    @Test func stringsAreEscapedAndEverythingElseIsCopiedAsUTF8() throws {
        let text = "q\"b\\n\nr\rt\t\u{01}\u{1F} é 😀 </script>"
        let document = JSONValue.object([("text", .string(text)), ("n", .int(-42)), ("ok", .bool(true)), ("none", .null), ("list", .array(["a", 1]))])
        #expect(document.serialized == #"{"text":"q\"b\\n\nr\rt\t\u0001\u001f é 😀 </script>","n":-42,"ok":true,"none":null,"list":["a",1]}"#)
        // Any JSON parser reads back exactly what went in.
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])
        #expect(parsed["text"] as? String == text)
        #expect(parsed["n"] as? Int == -42)
    }
}
