#pragma once
// Internal: the built-in part of every schema (standard scalars, standard directives, the
// introspection types of spec section 4) and the resolvers that answer __schema, __type and
// __typename from the Schema itself.

#include <string_view>

#include "graphql/schema.h"

namespace retrain::graphql {

// SDL of the standard scalars, directives and introspection types.
std::string_view BuiltinSdl();

// Binds the resolvers of the introspection types and of the three meta-fields.
void BindIntrospection(Schema& schema, FieldDef& schema_field, FieldDef& type_field,
                       FieldDef& typename_field);

// The parent value the executor passes to meta-field resolvers on the root.
Value SchemaHandle(const Schema& schema);

}  // namespace retrain::graphql
