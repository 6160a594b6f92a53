"""What the helpline texts back on its own, in the sender's script (Hindi, romanised Hindi, English, Punjabi, Urdu) (the parts they cost: crm.platform.sms_parts).

Any Devanagari character makes a whole SMS UCS-2 (70 characters, 67 per part when split), so the
Hindi replies are kept within two parts.
"""

from __future__ import annotations

from crm.cases import languages

REPLIES = {
    "ack": {
        "hi": "सम्पर्क: आपका संदेश मिल गया। केस {ref}। स्वास्थ्य सलाहकार जल्द जवाब देंगे।",
        "hinglish": "Sampark: aapka sandesh mil gaya. Case {ref}. Swasthya salahkar jaldi jawab denge.",
        "en": "Sampark: we got your message. Case {ref}. A health advisor will reply soon.",
        "pa": "ਸੰਪਰਕ: ਤੁਹਾਡਾ ਸੁਨੇਹਾ ਮਿਲ ਗਿਆ। ਕੇਸ {ref}। ਸਿਹਤ ਸਲਾਹਕਾਰ ਜਲਦੀ ਜਵਾਬ ਦੇਣਗੇ।",
        "ur": "سمپرک: آپ کا پیغام مل گیا۔ کیس {ref}۔ صحت کے مشیر جلد جواب دیں گے۔",
    },
    "emergency": {
        "hi": "सम्पर्क केस {ref}: यह आपातकाल लगता है। अभी 112 या एम्बुलेंस 108 पर कॉल करें। डॉक्टर आपको कॉल करेंगे।",
        "hinglish": "Sampark case {ref}: yeh emergency lagta hai. Abhi 112 ya ambulance 108 call karein. "
                    "Doctor aapko call karenge.",
        "en": "Sampark case {ref}: this sounds like an emergency. Call 112, or 108 for an ambulance, now. "
              "A doctor will call you.",
        "pa": "ਸੰਪਰਕ ਕੇਸ {ref}: ਇਹ ਐਮਰਜੈਂਸੀ ਲੱਗਦੀ ਹੈ। ਹੁਣੇ 112 ਜਾਂ ਐਂਬੂਲੈਂਸ 108 ਤੇ ਕਾਲ ਕਰੋ। ਡਾਕਟਰ ਤੁਹਾਨੂੰ ਕਾਲ ਕਰਨਗੇ।",
        "ur": "سمپرک کیس {ref}: یہ ایمرجنسی لگتی ہے۔ ابھی 112 یا ایمبولینس 108 پر کال کریں۔ ڈاکٹر آپ کو کال کریں گے۔",
    },
    "fallback_callback": {
        "hi": "सम्पर्क: आपकी कॉल हम नहीं ले सके (केस {ref})। हम आपको वापस कॉल करेंगे। आपातकाल: 112/108",
        "hinglish": "Sampark: aapki call hum nahi le sake (case {ref}). Hum aapko wapas call karenge. "
                    "Emergency: 112/108",
        "en": "Sampark: we could not take your call (case {ref}). We will call you back. "
              "Emergency: call 112 or 108.",
        "pa": "ਸੰਪਰਕ: ਅਸੀਂ ਤੁਹਾਡੀ ਕਾਲ ਨਹੀਂ ਲੈ ਸਕੇ (ਕੇਸ {ref})। ਅਸੀਂ ਤੁਹਾਨੂੰ ਵਾਪਸ ਕਾਲ ਕਰਾਂਗੇ। ਐਮਰਜੈਂਸੀ: 112/108",
        "ur": "سمپرک: ہم آپ کی کال نہیں لے سکے (کیس {ref})۔ ہم آپ کو واپس کال کریں گے۔ ایمرجنسی: 112/108",
    },
    "emergency_now": {
        "hi": "सम्पर्क: यह आपातकाल लगता है। अभी 112 या एम्बुलेंस 108 पर कॉल करें। डॉक्टर आपको कॉल करेंगे।",
        "hinglish": "Sampark: yeh emergency lagta hai. Abhi 112 ya ambulance 108 call karein. "
                    "Doctor aapko call karenge.",
        "en": "Sampark: this sounds like an emergency. Call 112, or 108 for an ambulance, now. "
              "A doctor will call you.",
        "pa": "ਸੰਪਰਕ: ਇਹ ਐਮਰਜੈਂਸੀ ਲੱਗਦੀ ਹੈ। ਹੁਣੇ 112 ਜਾਂ ਐਂਬੂਲੈਂਸ 108 ਤੇ ਕਾਲ ਕਰੋ। ਡਾਕਟਰ ਤੁਹਾਨੂੰ ਕਾਲ ਕਰਨਗੇ।",
        "ur": "سمپرک: یہ ایمرجنسی لگتی ہے۔ ابھی 112 یا ایمبولینس 108 پر کال کریں۔ ڈاکٹر آپ کو کال کریں گے۔",
    },
    "missed_call": {
        "hi": "सम्पर्क: आपकी कॉल छूट गई (केस {ref})। इस SMS का जवाब दें, हम कॉल करेंगे। आपातकाल: 112/108",
        "hinglish": "Sampark: aapki call chhoot gayi (case {ref}). Is SMS ka jawab dein, hum call karenge. "
                    "Emergency: 112/108",
        "en": "Sampark: we missed your call (case {ref}). Reply to this SMS and we will call you back. "
              "Emergency: call 112 or 108.",
        "pa": "ਸੰਪਰਕ: ਤੁਹਾਡੀ ਕਾਲ ਛੁੱਟ ਗਈ (ਕੇਸ {ref})। ਇਸ SMS ਦਾ ਜਵਾਬ ਦਿਓ, ਅਸੀਂ ਕਾਲ ਕਰਾਂਗੇ। ਐਮਰਜੈਂਸੀ: 112/108",
        "ur": "سمپرک: آپ کی کال چھوٹ گئی (کیس {ref})۔ اس SMS کا جواب دیں، ہم کال کریں گے۔ ایمرجنسی: 112/108",
    },
    "callback_scheduled": {
        "hi": "सम्पर्क: हम आपको {when} (भारतीय समय) पर वापस कॉल करेंगे (केस {ref})। आपातकाल: 112/108",
        "hinglish": "Sampark: hum aapko {when} IST par wapas call karenge (case {ref}). Emergency: 112/108",
        "en": "Sampark: we will call you back at {when} IST (case {ref}). Emergency: call 112 or 108.",
    },
}


def reply(kind: str, script: str, **values) -> str:
    """The reply `kind` in `script` ('hi', 'hinglish', 'en', 'pa', 'ur'; Bengali is answered in Hindi)."""
    texts = REPLIES[kind]
    return (texts.get(script) or texts[languages.of_triage(script)]).format(**values)
