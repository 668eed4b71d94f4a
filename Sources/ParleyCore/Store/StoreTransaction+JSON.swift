import Foundation

/// Lists of strings kept in one TEXT column as a JSON array (media URLs, webhook filters and triggers).
extension StoreTransaction {
    static func jsonArray(_ values: [String]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: values, options: [.withoutEscapingSlashes])) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func stringArray(_ json: String?) -> [String] {
        guard let json, let values = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String] else { return [] }
        return values
    }
}
