"""The words of the interface, in French and in English: every string a page, a chart or an
error page shows that does not come from the data (the data brings its own labels).

One table of (fr, en) pairs, so both languages always have the same keys; templates read them
as `t.key` (`t` is the reader's language's table), the charts as `WORDS[lang][key]`. A
sentence with a number in it holds a `{name}` placeholder for `str.format`.
"""

from __future__ import annotations

from .labels import LANGUAGES

_PAIRS = {
    "site_title": ("Coopération décentralisée en données liées", "Decentralised cooperation as linked data"),
    "home": ("Accueil", "Home"),
    "search": ("Rechercher", "Search"),
    "search_label": ("Rechercher dans les libellés", "Search the labels"),
    "footer_search": ("Recherche (pied de page)", "Search (footer)"),
    "search_placeholder": ("ex. béninoise, soja, convention", "e.g. Beninese, soy, convention"),
    "sparql": ("SPARQL", "SPARQL"),
    "catalog": ("Catalogue", "Catalogue"),
    "dumps": ("Téléchargements", "Downloads"),
    "classes": ("Classes", "Classes"),
    "ontology": ("Vocabulaire", "Vocabulary"),
    "shapes": ("Règles", "Rules"),
    "main_nav": ("Navigation principale", "Main navigation"),
    "skip": ("Aller au contenu", "Skip to content"),
    "in_other_language": ("English", "Français"),
    "sources": ("Sources", "Sources"),
    "source": ("Source", "Source"),
    "property": ("Propriété", "Property"),
    "value": ("Valeur", "Value"),
    "value_list": ("Valeurs", "Values"),
    "colon": ("\u00a0:", ":"),
    "facts": ("Ce que disent les données", "What the data says"),
    "incoming": ("Liens entrants", "Incoming links"),
    "incoming_intro": (
        "Les entités qui pointent vers celle-ci, par propriété.",
        "The entities that link to this one, by property.",
    ),
    "next_page": ("Page suivante", "Next page"),
    "previous_page": ("Page précédente", "Previous page"),
    "of": ("sur", "of"),
    "download": ("Télécharger cette description", "Download this description"),
    "no_source": ("source non indiquée", "no source given"),
    "partners": ("Partenaires", "Partners"),
    "programmes": ("Programmes", "Programmes"),
    "conventions": ("Conventions", "Conventions"),
    "stakes": ("Enjeux", "Stakes"),
    "indicators": ("Indicateurs", "Indicators"),
    "indicator": ("Indicateur", "Indicator"),
    "period": ("Période", "Period"),
    "start": ("Début", "Start"),
    "end": ("Fin", "End"),
    "open_end": ("sans fin indiquée", "no end stated"),
    "parties": ("Parties", "Parties"),
    "signatories": ("Signataires", "Signatories"),
    "purpose": ("Objet", "Purpose"),
    "renews": ("Renouvelle", "Renews"),
    "renewed_by": ("Renouvelée par", "Renewed by"),
    "formalises": ("Formalise", "Formalises"),
    "posts": ("Postes et titulaires", "Posts and holders"),
    "held_by": ("occupé par", "held by"),
    "mandates": ("Mandats", "Mandates"),
    "partnerships": ("Partenariats", "Partnerships"),
    "countries": ("Pays", "Countries"),
    "cooperation_countries": ("Pays de sa coopération", "Countries of its cooperation"),
    "observation": ("Observation", "Observation"),
    "stated_as": ("Dans les mots de la source", "In the source's words"),
    "aggregation": ("Agrégation", "Aggregation"),
    "ref_period": ("Période de référence", "Reference period"),
    "claims": ("Ce que disent les sources de cette grandeur", "What the sources say of this quantity"),
    "claims_intro": (
        "Plusieurs sources donnent cette grandeur ; elles sont montrées côte à côte, sans trancher.",
        "Several sources give this quantity; they are shown side by side, without picking one.",
    ),
    "same_quantity": ("même grandeur que", "same quantity as"),
    "chart_table": ("Les mêmes chiffres en tableau", "The same figures as a table"),
    "key_figures": ("Chiffres clés", "Key figures"),
    "triples": ("triplets de données", "data triples"),
    "entities": ("entités décrites", "described entities"),
    "entry_points": ("Par où commencer", "Where to start"),
    "about_text": (
        "Ce graphe de connaissances décrit la coopération internationale décentralisée : partenariats "
        "entre collectivités, conventions, programmes, enjeux et indicateurs. Chaque fait renvoie au "
        "document qui l'énonce.",
        "This knowledge graph describes decentralised international cooperation: partnerships between "
        "local authorities, conventions, programmes, stakes and indicators. Every fact links to the "
        "document that states it.",
    ),
    "for_machines": ("Pour les programmes", "For programs"),
    "for_machines_text": (
        "Chaque IRI donne du RDF (Turtle, JSON-LD, N-Triples, RDF/XML) par négociation de contenu ; "
        "le point d'accès SPARQL, les téléchargements et le catalogue servent le graphe entier.",
        "Every IRI gives RDF (Turtle, JSON-LD, N-Triples, RDF/XML) by content negotiation; the SPARQL "
        "endpoint, the downloads and the catalogue serve the whole graph.",
    ),
    "instances": ("instances", "instances"),
    "class_listing": ("Classes et nombre d'instances", "Classes and their number of instances"),
    "term_page": ("page du terme", "term page"),
    "definition": ("Définition", "Definition"),
    "usage": ("Usage dans les données", "Use in the data"),
    "usage_instances": ("entités de ce type", "entities of this type"),
    "usage_triples": ("triplets avec cette propriété", "triples with this property"),
    "usage_values": ("triplets qui le prennent pour valeur", "triples with it as value"),
    "class": ("Classes", "Classes"),
    "property_kind": ("Propriétés", "Properties"),
    "shapes_intro": (
        "Les données publiées respectent ces règles (formes SHACL) : un graphe qui en viole une n'est pas publié.",
        "The published data follows these rules (SHACL shapes): a graph that breaks one is not published.",
    ),
    "applies_to": ("S'applique à", "Applies to"),
    "results_for": ("Résultats pour", "Results for"),
    "no_results": ("Aucun résultat.", "No results."),
    "results_count": ("résultat(s)", "result(s)"),
    "not_found": ("Introuvable", "Not found"),
    "not_found_text": ("Aucune entité du graphe n'a cet IRI :", "No entity of the graph has this IRI:"),
    "suggestions": ("Peut-être cherchiez-vous", "Perhaps you were looking for"),
    "bad_request": ("Requête incorrecte", "Bad request"),
    "iri": ("IRI", "IRI"),
    "shape_page": ("Voir la règle", "See the rule"),
    "more_than": ("plus de", "more than"),
    "yes": ("oui", "yes"),
    "no": ("non", "no"),
    # the SVG charts (server/charts.py)
    "chart_own_scale": ("chaque indicateur a sa propre échelle", "each indicator has its own scale"),
    "chart_timeline": ("Frise des conventions", "Timeline of the conventions"),
    # the catalogue page (/catalog)
    "version": ("Version", "Version"),
    "first_issued": ("Première publication", "First issued"),
    "last_modified": ("Dernière modification", "Last modified"),
    "time_covered": ("Période couverte", "Time covered"),
    "licence": ("Licence", "Licence"),
    "sparql_endpoint": ("Point d'accès SPARQL", "SPARQL endpoint"),
    "keywords": ("Mots-clés", "Keywords"),
    "whole_dataset": ("Le jeu de données entier, un fichier par format", "The whole dataset, one file per format"),
    "file": ("Fichier", "File"),
    "media_type": ("Type de média", "Media type"),
    "size_bytes": ("Taille (octets)", "Size (bytes)"),
    "catalog_formats": ("Ce catalogue dans d’autres formats", "This catalogue in other formats"),
    # the SPARQL query page (/sparql)
    "sparql_queries": ("Requêtes SPARQL", "SPARQL queries"),
    "sparql_heading": ("Point d’accès SPARQL", "SPARQL endpoint"),
    "sparql_intro": (
        "Interrogez le graphe de connaissances en SPARQL 1.1. Le graphe par défaut est l’union des "
        "graphes nommés (ontologie, formes, données). Ce point d’accès est en lecture seule ; une "
        "requête est arrêtée au-delà de la limite de temps.",
        "Query the knowledge graph in SPARQL 1.1. The default graph is the union of the named graphs "
        "(ontology, shapes, data). This endpoint is read-only; a query is stopped past the time limit.",
    ),
    "query": ("Requête", "Query"),
    "editor_help": (
        "Ctrl+Entrée exécute la requête ; Tab quitte l’éditeur.",
        "Ctrl+Enter runs the query; Tab leaves the editor.",
    ),
    "result_format": ("Format du résultat", "Result format"),
    "table_this_page": ("Tableau (cette page)", "Table (this page)"),
    "run": ("Exécuter", "Run"),
    "error": ("Erreur", "Error"),
    "results": ("Résultats", "Results"),
    "answer_cut": (
        "Résultat tronqué à {rows} lignes (limite du serveur).",
        "Answer cut at {rows} rows (the server’s limit).",
    ),
    "download_colon": ("Télécharger :", "Download:"),
    "share_link": ("Lien à partager", "Shareable link"),
    "open": ("ouvrir", "open"),
    "examples": ("Questions de compétence (exemples)", "Competency questions (examples)"),
    "true": ("vrai", "true"),
    "false": ("faux", "false"),
    "row": ("ligne", "row"),
    "rows": ("lignes", "rows"),
    "results_table": ("Tableau des résultats", "Results table"),
    "explore": ("Explorer", "Explore"),
    "explore_title": ("Explorer les programmes", "Explore the programmes"),
    "explore_intro": (
        "Filtrez les programmes de coopération par pays, collectivité, partenaire, secteur, cible ODD ou année. "
        "Dans une même rubrique, les valeurs cochées s'additionnent ; les rubriques se combinent.",
        "Filter the cooperation programmes by country, authority, partner, sector, SDG target or year. "
        "Values ticked within one heading add up; headings narrow one another.",
    ),
    "filters": ("Filtres", "Filters"),
    "apply_filters": ("Appliquer", "Apply"),
    "clear_filters": ("Tout effacer", "Clear all"),
    "remove_filter": ("Retirer le filtre", "Remove filter"),
    "facet_country": ("Pays", "Country"),
    "facet_authority": ("Collectivité qui coopère", "Cooperating authority"),
    "facet_partner": ("Partenaire local", "Local partner"),
    "facet_sector": ("Secteur", "Sector"),
    "facet_sdg": ("Cible ODD", "SDG target"),
    "facet_year": ("Année de début", "Start year"),
    "facet_status": ("État", "Status"),
    "facet_organisation": ("Organisation", "Organisation"),
    "facet_more": (
        "et {count} autres valeurs : filtrez davantage pour les voir (le JSON les donne toutes)",
        "and {count} more values: filter further to see them (the JSON gives them all)",
    ),
    "facet_none": ("Aucune valeur", "No value"),
    "programmes_found_one": ("{count} programme", "{count} programme"),
    "programmes_found_many": ("{count} programmes", "{count} programmes"),
    "no_programme": ("Aucun programme ne correspond à ces filtres.", "No programme matches these filters."),
    "download_csv": ("Télécharger en CSV", "Download as CSV"),
    "download_json": ("JSON", "JSON"),
    "page_of": ("page {page} sur {pages}", "page {page} of {pages}"),
    "map": ("Carte", "Map"),
    "map_title": ("Carte des programmes par pays", "Map of the programmes by country"),
    "map_description": (
        "Les pays où se déroulent les programmes, plus foncés quand ils en comptent davantage ; "
        "le tableau qui suit donne les mêmes chiffres.",
        "The countries the programmes take place in, darker where there are more; the table below "
        "gives the same figures.",
    ),
    "map_intro": (
        "Chaque pays mène à sa page ; le nombre est celui des programmes qui s'y déroulent, avec les filtres "
        "de la page Explorer.",
        "Each country leads to its page; the figure is the number of programmes taking place there, with the "
        "filters of the Explore page.",
    ),
    "map_table": ("Programmes par pays", "Programmes by country"),
    "map_finer": (
        "Les lieux plus fins qu'un pays (un département, une commune) ne sont pas dessinés : aucune forme "
        "sous licence ouverte n'en est installée.",
        "Places finer than a country (a département, a commune) are not drawn: no shapes of them under an "
        "open licence are installed.",
    ),
    "map_unmapped": ("Sans forme sur la carte", "Without a shape on the map"),
    "map_missing": ("La carte n'est pas disponible", "The map is not available"),
    "map_credit": (
        "Formes des pays : Natural Earth (domaine public), paquet npm world-atlas (ISC).",
        "Country shapes: Natural Earth (public domain), npm package world-atlas (ISC).",
    ),
    "country": ("Pays", "Country"),
    "on_explore": ("Voir dans Explorer", "See in Explore"),
    "profile": ("Profil", "Profile"),
    "profile_programmes": ("Programmes", "Programmes"),
    "profile_all_programmes": ("Les {count} programmes dans Explorer", "All {count} programmes in Explore"),
    "profile_the_programme": ("Ce programme dans Explorer", "This programme in Explore"),
    "profile_partners": ("Partenaires", "Partners"),
    "profile_partners_intro": (
        "Les organisations qui prennent part aux mêmes programmes, et le nombre de programmes partagés.",
        "The organisations taking part in the same programmes, and how many programmes they share.",
    ),
    "profile_conventions": ("Conventions", "Conventions"),
    "profile_conventions_shown": ("les {shown} plus récentes sur {total}", "the latest {shown} of {total}"),
    "profile_money": ("Budgets et transactions par année", "Budgets and transactions by year"),
    "profile_money_intro": (
        "Chaque monnaie a son tableau : les montants ne sont jamais additionnés d'une monnaie à l'autre.",
        "Each currency has its own table: amounts are never added across currencies.",
    ),
    "profile_no_money": ("Aucun budget ni transaction dans les sources.", "No budget or transaction in the sources."),
    "money_year": ("Année", "Year"),
    "money_undated": ("sans date", "undated"),
    "money_budget": ("Budget", "Budget"),
    "money_planned-disbursement": ("Décaissement prévu", "Planned disbursement"),
    "money_transaction": ("Transaction", "Transaction"),
    "money_in": ("en {currency}", "in {currency}"),
    "money_unknown_currency": ("monnaie non indiquée", "currency not given"),
    "profile_latest": ("Dernières valeurs des indicateurs", "Latest values of the indicators"),
    "profile_sources": ("Sources", "Sources"),
}

# Each pair is in the order of LANGUAGES (fr, en).
WORDS: dict[str, dict[str, str]] = {
    lang: {key: pair[i] for key, pair in _PAIRS.items()} for i, lang in enumerate(LANGUAGES)
}
