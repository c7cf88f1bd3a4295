declare const __API_URL__: string;
