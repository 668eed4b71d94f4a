import ParleyCore
import Testing

struct TwilioSignatureTests {
    /// The example from Twilio's security documentation, which twilio-python's RequestValidator also gives.
    let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    let parameters: [(name: String, value: String)] = [
        ("Digits", "1234"), ("To", "+18005551212"), ("From", "+12349013030"), ("Caller", "+12349013030"),
        ("CallSid", "CA1234567890ABCDE"),
    ]

    @Test func matchesTwilioDocumentedExample() {
        #expect(TwilioSignature.compute(url: url, parameters: parameters, authToken: "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
    }

    @Test func rejectsAnotherTokenURLOrParameter() {
        let good = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        #expect(TwilioSignature.isValid(good, url: url, parameters: parameters, authToken: "12345"))
        #expect(!TwilioSignature.isValid(good, url: url, parameters: parameters, authToken: "12346"))
        #expect(!TwilioSignature.isValid(good, url: url + "&x=1", parameters: parameters, authToken: "12345"))
        #expect(!TwilioSignature.isValid(good, url: url, parameters: parameters + [("Body", "hi")], authToken: "12345"))
        #expect(!TwilioSignature.isValid("", url: url, parameters: parameters, authToken: "12345"))
    }
}
