package dev.cdccache.catalog.rest;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

/** Request bodies. Unknown fields are rejected (quarkus.jackson.fail-on-unknown-properties). */
public final class ProductRequests {

    private ProductRequests() {}

    static final String SKU = "[A-Za-z0-9._-]+";
    static final String CATEGORY = "[a-z0-9-]+";
    static final java.util.regex.Pattern CATEGORY_PATTERN = java.util.regex.Pattern.compile("[a-z0-9-]{1,64}");

    public record Create(
            @NotBlank @Size(max = 64) @Pattern(regexp = SKU, message = "letters, digits, '.', '_' or '-'")
            String sku,

            @NotBlank @Size(max = 200) String name,
            @Size(max = 2000) String description,

            @NotBlank @Size(max = 64) @Pattern(regexp = CATEGORY, message = "lower-case letters, digits or '-'")
            String category) {}

    /** PUT: the full product. {@code version}, if given, must be current (as If-Match). */
    public record Replace(
            @NotBlank @Size(max = 64) @Pattern(regexp = SKU, message = "letters, digits, '.', '_' or '-'")
            String sku,

            @NotBlank @Size(max = 200) String name,
            @Size(max = 2000) String description,

            @NotBlank @Size(max = 64) @Pattern(regexp = CATEGORY, message = "lower-case letters, digits or '-'")
            String category,

            @PositiveOrZero Long version) {}

    /** PATCH (merge patch): only the fields present change. */
    public record Patch(
            @Size(min = 1, max = 64) @Pattern(regexp = SKU, message = "letters, digits, '.', '_' or '-'")
            String sku,

            @Size(min = 1, max = 200) String name,
            @Size(max = 2000) String description,

            @Size(min = 1, max = 64) @Pattern(regexp = CATEGORY, message = "lower-case letters, digits or '-'")
            String category,

            @PositiveOrZero Long version) {

        boolean isEmpty() {
            return sku == null && name == null && description == null && category == null;
        }
    }

    public record Written(long id, long version) {}

    public record Page(
            String category,
            int page,
            int size,
            long total,
            java.util.List<dev.cdccache.catalog.entity.ProductView> items) {}
}
