import Foundation

/// One readable line for an error. Foundation's file errors print as an NSError dump (domain, code, four copies
/// of the path); users need the reason and the file: "No space left on device (/ws/tmp/…)".
public enum ErrorText {
    public static func describe(_ error: Error) -> String {
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        guard let cocoa = error as? CocoaError else { return "\(error)" }
        var reason = cocoa.localizedDescription
        if let underlying = (cocoa.underlying ?? cocoa.userInfo[NSUnderlyingErrorKey] as? Error).map({ $0 as NSError }),
           underlying.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(underlying.code)))
        }
        let path = cocoa.userInfo["NSDestinationFilePath"] as? String ?? cocoa.filePath ?? cocoa.url?.path
        return path.map { "\(reason) (\($0))" } ?? reason
    }
}
