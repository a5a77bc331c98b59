"""The public record of the 2023-24 episode as tidy tables, every row with its source."""
