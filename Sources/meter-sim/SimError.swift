import OS

/// Why meter-sim cannot start: bad arguments (exit 1) or the pty/link (exit 2).
enum SimError: Error {
    case usage(String)
    case system(SystemError)
    case linkOccupied(String)

    var message: String {
        switch self {
        case .usage(let text): text
        case .system(let error): error.message
        case .linkOccupied(let path): "\(path) exists and is not a symlink; refusing to replace it"
        }
    }
}
