"""The notifier's rules, pure: who hears what, the words they read, when to try again."""
